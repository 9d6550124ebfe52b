// Driving the real VS Code workbench (code-server) in a browser page, as scripts/screenshots.ts and
// test/integration/panelRestore.test.ts do: polling for a condition with a deadline, and running a
// command from the palette while the extension host may still be starting.
import type { Page } from 'playwright-core';

/** Both users wait this long for a step: code-server and the extension host start slowly on a busy machine. */
export const workbenchStepTimeoutMs = 60_000;

/** Polls `probe` until it gives a value, or throws naming `what` (and the probe's last error) after the deadline. */
export async function waitFor<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = workbenchStepTimeoutMs): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    const value = await probe().catch((error: unknown) => {
      lastError = error;
      return undefined;
    });
    if (value !== undefined) return value;
    if (Date.now() > deadline) {
      const reason = lastError instanceof Error ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${reason}`);
    }
    await new Promise((resolvePromise) => setTimeout(resolvePromise, 200));
  }
}

/** Runs a command from the palette; reopens the palette while the command is not listed yet (the extension host still starting). */
export async function runPaletteCommand(page: Page, title: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first();
  await waitFor(`"${title}" in the command palette`, async () => {
    await page.keyboard.press('F1');
    await input.waitFor({ state: 'visible', timeout: 5_000 });
    await input.fill('>');
    await input.pressSequentially(title);
    try {
      await row.waitFor({ state: 'visible', timeout: 5_000 });
      return true;
    } catch {
      await page.keyboard.press('Escape');
      return undefined;
    }
  });
  await page.keyboard.press('Enter');
}
