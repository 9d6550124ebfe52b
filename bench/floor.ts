// The floor: the least work a type-aware floating-promise check can do. Builds the program from a
// tsconfig.json with the TypeScript that ts-morph bundles (the compiler Bounded runs), then asks the
// checker for the type of every expression statement's expression and whether it is thenable.
// Prints one JSON document: program build and query times, and what the queries found (the
// thenable statements as file:line, the file relative to the tsconfig.json's folder).
//   npx tsx bench/floor.ts <tsconfig.json>
import { dirname, relative } from 'node:path';
import { ts } from 'ts-morph';
import { createProgramFromConfig } from './corpus-program';

function isThenable(checker: ts.TypeChecker, type: ts.Type): boolean {
  if (type.isUnion()) return type.types.some((member) => isThenable(checker, member));
  const then = checker.getPropertyOfType(checker.getApparentType(type), 'then');
  return then !== undefined && checker.getTypeOfSymbol(then).getCallSignatures().length > 0;
}

interface QueryResult {
  files: number;
  expressionStatements: number;
  thenableAt: string[];
}

function queryExpressionStatements(program: ts.Program, baseDir: string): QueryResult {
  const checker = program.getTypeChecker();
  let files = 0;
  let expressionStatements = 0;
  const thenableAt: string[] = [];
  for (const sourceFile of program.getSourceFiles()) {
    if (sourceFile.isDeclarationFile || program.isSourceFileFromExternalLibrary(sourceFile)) continue;
    files += 1;
    const visit = (node: ts.Node): void => {
      if (ts.isExpressionStatement(node)) {
        expressionStatements += 1;
        if (isThenable(checker, checker.getTypeAtLocation(node.expression))) {
          const { line } = sourceFile.getLineAndCharacterOfPosition(node.expression.getStart(sourceFile));
          thenableAt.push(`${relative(baseDir, sourceFile.fileName)}:${line + 1}`);
        }
      }
      ts.forEachChild(node, visit);
    };
    visit(sourceFile);
  }
  return { files, expressionStatements, thenableAt };
}

function main(tsconfigPath: string | undefined): void {
  if (!tsconfigPath) throw new Error('usage: floor.ts <tsconfig.json>');
  const started = performance.now();
  const program = createProgramFromConfig(tsconfigPath);
  program.getTypeChecker();
  const built = performance.now();
  const found = queryExpressionStatements(program, dirname(tsconfigPath));
  const queried = performance.now();
  const report = {
    typescript: ts.version,
    programMs: Math.round(built - started),
    queryMs: Math.round(queried - built),
    ...found,
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
}

main(process.argv[2]);
