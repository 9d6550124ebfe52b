// Fixture for the vscode-tier tests: `load()` below is a floating promise (called, not awaited).
async function load(): Promise<number> { return 1; }

export async function handleRequest(): Promise<void> {
  load();
}
