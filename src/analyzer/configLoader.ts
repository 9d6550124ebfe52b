// Reads a tsconfig.json / jsconfig.json the way tsc does (extends, include/exclude, references),
// turning every problem into one clear message on the config file instead of an exception.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ts } from 'ts-morph';
import type { Range } from './findings';

export interface ConfigProblem {
  configFile: string;
  range: Range;
  message: string;
}

export interface ParsedConfig {
  configFile: string;
  /** Undefined when the file could not be read or is not valid JSON: its files get inferred settings. */
  options: ts.CompilerOptions | undefined;
  fileNames: string[];
  references: string[];
  problems: ConfigProblem[];
}

/** Compiler options for files outside any config, close to what tsserver infers. */
export function inferredCompilerOptions(): ts.CompilerOptions {
  return {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowJs: true,
    checkJs: false,
    strict: true,
    skipLibCheck: true,
    noEmit: true,
    allowNonTsExtensions: true,
    jsx: ts.JsxEmit.Preserve,
    esModuleInterop: true,
    resolveJsonModule: true,
  };
}

const zeroRange: Range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** TS diagnostics that are normal for a config and not worth a problem. */
const ignoredCodes = new Set([
  18003, // No inputs were found in config file (a solution-style config with references only)
]);

export function parseConfig(configFile: string): ParsedConfig {
  const problems: ConfigProblem[] = [];
  let text: string;
  try {
    text = fs.readFileSync(configFile, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'does not exist' : `cannot be read (${(error as Error).message})`;
    return { configFile, options: undefined, fileNames: [], references: [], problems: [{ configFile, range: zeroRange, message: `${path.basename(configFile)} ${reason}. ${inferredNote}` }] };
  }
  const json = ts.parseJsonText(configFile, text);
  const syntaxErrors = (json as unknown as { parseDiagnostics?: ts.Diagnostic[] }).parseDiagnostics ?? [];
  if (syntaxErrors.length > 0) {
    for (const diagnostic of syntaxErrors) problems.push(toProblem(configFile, diagnostic, json));
    return { configFile, options: undefined, fileNames: [], references: [], problems: [merge(configFile, problems, inferredNote)] };
  }
  const parsed = ts.parseJsonSourceFileConfigFileContent(json, ts.sys, path.dirname(configFile), undefined, configFile);
  for (const diagnostic of parsed.errors) {
    if (ignoredCodes.has(diagnostic.code)) continue;
    problems.push(toProblem(configFile, diagnostic, json));
  }
  const references: string[] = [];
  for (const reference of parsed.projectReferences ?? []) {
    const target = resolveReference(reference.path);
    if (target) references.push(target);
    else problems.push({ configFile, range: rangeOfReference(json, reference.originalPath ?? reference.path) ?? zeroRange, message: `The referenced project ${reference.originalPath ?? reference.path} does not exist.` });
  }
  return {
    configFile,
    options: { ...parsed.options, noEmit: true },
    fileNames: parsed.fileNames.map((f) => path.resolve(f)),
    references,
    problems: problems.length > 0 ? [merge(configFile, problems, partialNote)] : [],
  };
}

function resolveReference(referencePath: string): string | undefined {
  const candidates = referencePath.endsWith('.json') ? [referencePath] : [path.join(referencePath, 'tsconfig.json'), path.join(referencePath, 'jsconfig.json')];
  return candidates.map((c) => path.resolve(c)).find((c) => fs.existsSync(c));
}

function toProblem(configFile: string, diagnostic: ts.Diagnostic, json: ts.SourceFile): ConfigProblem {
  const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, ' ');
  const file = diagnostic.file ?? json;
  if (diagnostic.start === undefined || path.resolve(file.fileName) !== path.resolve(configFile)) return { configFile, range: zeroRange, message };
  const start = file.getLineAndCharacterOfPosition(diagnostic.start);
  const end = file.getLineAndCharacterOfPosition(diagnostic.start + (diagnostic.length ?? 0));
  return { configFile, range: { start, end }, message };
}

function rangeOfReference(json: ts.SourceFile, original: string): Range | undefined {
  const at = json.text.indexOf(JSON.stringify(original).slice(1, -1));
  if (at < 0) return undefined;
  return { start: json.getLineAndCharacterOfPosition(at), end: json.getLineAndCharacterOfPosition(at + original.length) };
}

/** One diagnostic per config file: the first problem's place, every message. */
function merge(configFile: string, problems: ConfigProblem[], note: string): ConfigProblem {
  if (problems.length === 1) return { ...problems[0], message: `${path.basename(configFile)}: ${problems[0].message} ${note}` };
  const list = problems.map((p) => `line ${p.range.start.line + 1}: ${p.message}`).join('; ');
  return { configFile, range: problems[0].range, message: `${path.basename(configFile)} has ${problems.length} problems (${list}). ${note}` };
}

const inferredNote = 'Its files are analysed with inferred settings.';
const partialNote = 'Its files are analysed with the settings that could be read.';
