// `bounded` command line: `bounded check`.
export async function main(argv: string[]): Promise<number> {
  process.stderr.write(`bounded: not built yet (${argv.join(' ')})\n`);
  return 2;
}
