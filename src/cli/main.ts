// `bounded` command line. `bounded check` runs the analyzer the language server runs; `bounded
// watch` runs the live sources and detectors the panel runs.
import { checkUsage, parseCheckArgs, runCheck } from './checkCommand';
import { UsageError } from './commandArgs';
import { parseWatchArgs, runWatch, watchUsage } from './watchCommand';

const usage = `Usage: bounded <command> [options]

Commands:
  check    analyse files and report findings (bounded check --help)
  watch    receive live telemetry and print live findings (bounded watch --help)`;

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '-h' || command === '--help') {
    process.stdout.write(`${usage}\n`);
    return command === undefined ? 2 : 0;
  }
  if (command !== 'check' && command !== 'watch') {
    process.stderr.write(`bounded: unknown command "${command}".\n${usage}\n`);
    return 2;
  }
  if (rest.includes('-h') || rest.includes('--help')) {
    process.stdout.write(`${command === 'check' ? checkUsage : watchUsage}\n`);
    return 0;
  }
  try {
    if (command === 'watch') return await runWatch(parseWatchArgs(rest));
    const result = runCheck(parseCheckArgs(rest));
    process.stdout.write(result.stdout);
    process.stderr.write(result.stderr);
    return result.exitCode;
  } catch (error) {
    if (error instanceof UsageError) {
      process.stderr.write(`bounded: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}
