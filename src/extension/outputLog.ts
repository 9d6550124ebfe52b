// The line format of the "Bounded" output channel, which is created with the `bounded-output`
// language: `[2026-12-03 09:12:01.123] [info] message`. syntaxes/bounded-output.tmLanguage.json
// highlights exactly this prefix, so the two change together (test/unit/grammars.test.ts).

export type LogLevel = 'info' | 'warn' | 'error' | 'debug';

/** One output line: local timestamp to the millisecond, level in brackets, then the message. */
export function formatLogLine(level: LogLevel, message: string, now = new Date()): string {
  const date = `${now.getFullYear()}-${pad(now.getMonth() + 1, 2)}-${pad(now.getDate(), 2)}`;
  const time = `${pad(now.getHours(), 2)}:${pad(now.getMinutes(), 2)}:${pad(now.getSeconds(), 2)}.${pad(now.getMilliseconds(), 3)}`;
  return `[${date} ${time}] [${level}] ${message}`;
}

function pad(value: number, width: number): string {
  return String(value).padStart(width, '0');
}
