// The system Chromium (Debian's `chromium`), launched as test/vscode/runInCodeServer.ts launches it:
// the options every playwright-core user here passes (tests, screenshots, the waterfall bench).
import type { LaunchOptions } from 'playwright-core';

export const chromiumPath = '/usr/bin/chromium';

export const headlessChromium: LaunchOptions = {
  executablePath: chromiumPath,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
  headless: true,
};
