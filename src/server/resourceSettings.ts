// The `bounded` settings of each workspace folder, asked from the client with
// workspace/configuration (scoped to the folder) and cached until didChangeConfiguration. A client
// that cannot be asked pushes one window-wide section with didChangeConfiguration instead.
import type { Connection } from 'vscode-languageserver/node';
import { type BoundedSettings, normaliseSettings } from '../shared/settings';
import { describeError, type ServerLog } from './serverLog';

const section = 'bounded';

export class ResourceSettings {
  private readonly cache = new Map<string, Promise<BoundedSettings>>();
  private pushed: unknown;

  constructor(
    private readonly connection: Connection,
    private readonly canAskClient: boolean,
    private readonly log: ServerLog,
  ) {}

  /** Settings for a workspace folder; undefined asks for the window-wide settings. */
  forFolder(folderUri: string | undefined): Promise<BoundedSettings> {
    const key = folderUri ?? '';
    let settings = this.cache.get(key);
    if (!settings) {
      settings = this.read(folderUri);
      this.cache.set(key, settings);
    }
    return settings;
  }

  /**
   * Settings for a folder as they are now: read again when a didChangeConfiguration arrives while
   * waiting, so an older answer never overwrites a newer one.
   */
  async current(folderUri: string | undefined): Promise<BoundedSettings> {
    for (;;) {
      const pending = this.forFolder(folderUri);
      const settings = await pending;
      if (this.cache.get(folderUri ?? '') === pending) return settings;
    }
  }

  /** didChangeConfiguration: forget every folder's settings; `pushed` is what the client sent. */
  invalidate(pushed: unknown): void {
    this.cache.clear();
    this.pushed = isRecord(pushed) ? pushed[section] : undefined;
  }

  private async read(folderUri: string | undefined): Promise<BoundedSettings> {
    if (!this.canAskClient) return normaliseSettings(this.pushed);
    try {
      const raw: unknown = await this.connection.workspace.getConfiguration({ scopeUri: folderUri, section });
      return normaliseSettings(raw);
    } catch (error) {
      this.log.warn(`Reading the "${section}" settings failed, using the defaults: ${describeError(error)}`);
      return normaliseSettings(undefined);
    }
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}
