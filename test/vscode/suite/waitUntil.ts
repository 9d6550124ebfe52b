// Polls a condition until it yields a value, failing with `description` once the deadline passes.
export async function waitUntil<T>(
  description: string,
  probe: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const pollMs = 100;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs / 1000} s waiting for ${description}`);
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
}
