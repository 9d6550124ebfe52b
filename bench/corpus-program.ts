// Builds a ts.Program from a tsconfig.json with the TypeScript that ts-morph bundles (the compiler
// Bounded runs), serving the lib .d.ts files from that bundle's memory as ts-morph does: the bundle
// ships no lib folder on disk.
import { getLibFiles, libFolderInMemoryPath } from '@ts-morph/common';
import { ts } from 'ts-morph';

export function createProgramFromConfig(tsconfigPath: string): ts.Program {
  const config = ts.getParsedCommandLineOfConfigFile(tsconfigPath, {}, {
    ...ts.sys,
    onUnRecoverableConfigFileDiagnostic: (diagnostic) => {
      throw new Error(ts.flattenDiagnosticMessageText(diagnostic.messageText, '\n'));
    },
  });
  if (!config) throw new Error(`cannot read ${tsconfigPath}`);
  const libTexts = new Map(getLibFiles().map((file) => [`${libFolderInMemoryPath}/${file.fileName}`, file.text]));
  const host = ts.createCompilerHost(config.options);
  const diskFileExists = host.fileExists.bind(host);
  const diskReadFile = host.readFile.bind(host);
  host.getDefaultLibLocation = () => libFolderInMemoryPath;
  host.getDefaultLibFileName = (options) => `${libFolderInMemoryPath}/${ts.getDefaultLibFileName(options)}`;
  host.fileExists = (fileName) => libTexts.has(fileName) || diskFileExists(fileName);
  host.readFile = (fileName) => libTexts.get(fileName) ?? diskReadFile(fileName);
  return ts.createProgram({ rootNames: config.fileNames, options: config.options, host, projectReferences: config.projectReferences });
}
