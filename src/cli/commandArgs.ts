// Reading a command's arguments: `--flag value`, `--flag=value`, and plain arguments, one at a time.

/** A mistake in how a command was called: printed with its usage, exit code 2. */
export class UsageError extends Error {}

export interface CommandArg {
  /** The argument as given (`--format=json`, `src`). */
  arg: string;
  /** The flag without an inline value (`--format`), or the argument itself. */
  flag: string;
  /** The value written after `=`, if any. */
  inline: string | undefined;
  /** The flag's value: the inline one, or the next argument (which must not be another flag). */
  value(): string;
}

export function* commandArgs(args: readonly string[]): Generator<CommandArg> {
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const eq = arg.startsWith('--') ? arg.indexOf('=') : -1;
    const flag = eq > 0 ? arg.slice(0, eq) : arg;
    const inline = eq > 0 ? arg.slice(eq + 1) : undefined;
    yield {
      arg,
      flag,
      inline,
      value: () => {
        if (inline !== undefined) return inline;
        const next = args[i + 1];
        if (next === undefined || next.startsWith('--')) throw new UsageError(`${flag} needs a value.`);
        i++;
        return next;
      },
    };
  }
}
