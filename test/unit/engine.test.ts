// The engine's single walk: dispatch by node kind, one finding per problem (a more specific rule
// supersedes a general one where they overlap), and a failing rule does not stop the others.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ts } from 'ts-morph';
import { analyseSourceFile } from '../../src/analyzer/engine';
import { inferredCompilerOptions } from '../../src/analyzer/configLoader';
import { AnalysedProject, FileStore } from '../../src/analyzer/project';
import type { Rule } from '../../src/analyzer/rule';
import { scratchFolder } from '../support/scratchFolder';

const scratch = scratchFolder('engine');

function callRule(id: string, calleeName: string | undefined, extra: Partial<Rule['meta']> = {}, explode = false): Rule {
  return {
    id,
    family: 'async',
    meta: { description: id, defaultSeverity: 'warning', docs: `docs/rules/${id}.md`, fixable: false, requiresTypes: false, ...extra },
    create: (ctx) => ({
      nodes: {
        [ts.SyntaxKind.CallExpression]: (node) => {
          if (explode) throw new Error('rule bug');
          const call = node as ts.CallExpression;
          if (calleeName === undefined || call.expression.getText(ctx.sourceFile) === calleeName) ctx.report({ node: call, message: `${id} at a call` });
        },
      },
    }),
  };
}

function analyse(text: string, rules: Rule[]): string[] {
  const file = scratch.write(`f${Math.random().toString(36).slice(2)}.ts`, text);
  const project = new AnalysedProject(undefined, inferredCompilerOptions(), [file], new FileStore(), ts.createDocumentRegistry(true, undefined, ts.JSDocParsingMode.ParseForTypeInfo));
  const program = project.program();
  const errors: string[] = [];
  const findings = analyseSourceFile({ program, sourceFile: program.getSourceFile(file)!, settings: {}, rules, moduleFormat: 'cjs', onRuleError: (rule) => errors.push(rule) });
  project.dispose();
  return [...findings.map((f) => `${f.rule}@${f.range.start.line}`), ...errors.map((e) => `error:${e}`)];
}

describe('engine', () => {
  it('drops a general finding where a rule that supersedes it reports the same code', () => {
    const general = callRule('general', undefined);
    const specific = callRule('specific', 'timer', { supersedes: ['general'] });
    assert.deepEqual(analyse('declare function timer(): void;\ndeclare function other(): void;\ntimer();\nother();\n', [general, specific]).sort(), ['general@3', 'specific@2']);
  });

  it('drops a general finding that covers wider code than it underlines where a superseding rule reports inside that code', () => {
    const loopRule = (covers: boolean): Rule => ({
      id: 'general',
      family: 'async',
      meta: { description: 'general', defaultSeverity: 'warning', docs: 'docs/rules/general.md', fixable: false, requiresTypes: false },
      create: (ctx) => ({
        nodes: {
          [ts.SyntaxKind.WhileStatement]: (node) => {
            const loop = node as ts.WhileStatement;
            const start = loop.getStart(ctx.sourceFile);
            ctx.report({ start, end: start + 'while (true)'.length, covers: covers ? loop : undefined, message: 'general at a loop head' });
          },
        },
      }),
    });
    const specific = callRule('specific', 'timer', { supersedes: ['general'] });
    const text = 'declare function timer(): void;\nwhile (true) {\n  timer();\n}\nwhile (true) {\n  Date.now();\n}\n';
    assert.deepEqual(analyse(text, [loopRule(true), specific]).sort(), ['general@4', 'specific@2']);
    assert.deepEqual(analyse(text, [loopRule(false), specific]).sort(), ['general@1', 'general@4', 'specific@2']);
  });

  it('keeps going when one rule throws, and reports the failure', () => {
    const broken = callRule('broken', undefined, {}, true);
    const working = callRule('working', undefined);
    assert.deepEqual(analyse('declare function f(): void;\nf();\nf();\n', [broken, working]).sort(), ['error:broken', 'working@1', 'working@2']);
  });
});
