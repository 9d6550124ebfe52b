// The window's live session, as VS Code sees it: read from the bounded.live settings, started only
// in a trusted workspace, with a warning before binding a non-loopback host and a notification
// when the port is taken ("Use Another Port" starts on a free one and says which; "Open Settings").
// Never silent: every failure to start is a notification and the panel shows the receiver's state.
// The Redis targets of bounded.live.redis.targets and of "Attach to Redis…" (with their passwords
// from SecretStorage, keyed by target name) are polled from the same start, in a trusted workspace only.
import * as vscode from 'vscode';
import type { RedisStreamTarget } from '../live/streamPoller';
import { isLoopbackHost, normaliseLive, type RedisTargetSetting } from '../shared/settings';
import { LiveSession } from './liveSession';
import { isLiveAttachAllowed } from './workspaceTrust';

const untrustedMessage = 'Restricted Mode: trust the workspace to receive traces.';

/** Where SecretStorage keeps a Redis target's password. */
export function redisPasswordSecretKey(targetName: string): string {
  return `redis-password:${targetName}`;
}

export class LiveSessionHost {
  private session: LiveSession | undefined;
  private readonly listeners = new Set<() => void>();
  /** Non-loopback hosts the user agreed to bind in this window. */
  private readonly acceptedHosts = new Set<string>();
  private readonly subscriptions: vscode.Disposable[];
  /** Targets added by "Attach to Redis…" in this window (a settings target of the same name wins). */
  private readonly attachedRedisTargets: RedisTargetSetting[] = [];

  constructor(
    private readonly log: (line: string) => void,
    private readonly secrets?: vscode.SecretStorage,
  ) {
    this.subscriptions = [
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration('bounded.live')) void this.restart();
      }),
      // A start refused for Restricted Mode (the panel open, or autoStart) goes ahead once trusted.
      vscode.workspace.onDidGrantWorkspaceTrust(() => {
        if (this.session?.state.state === 'untrusted') void this.start();
      }),
    ];
  }

  /** The session (created on first use), whether or not its receiver runs. */
  get current(): LiveSession {
    if (!this.session) {
      this.session = new LiveSession(normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')), this.log);
      this.session.onChange(() => this.changed());
    }
    return this.session;
  }

  /** The Redis targets polled when started: the settings' ones, then those attached in this window. */
  get redisTargets(): RedisTargetSetting[] {
    const configured = normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')).redis.targets;
    return [...configured, ...this.attachedRedisTargets.filter((attached) => !configured.some((target) => target.name === attached.name))];
  }

  /** Adds (or replaces, by name) a target of "Attach to Redis…" and polls it, in a trusted workspace. */
  async attachRedis(target: RedisTargetSetting): Promise<void> {
    const index = this.attachedRedisTargets.findIndex((attached) => attached.name === target.name);
    if (index >= 0) this.attachedRedisTargets.splice(index, 1, target);
    else this.attachedRedisTargets.push(target);
    await this.startStreams();
  }

  /** Polls the Redis targets (with their passwords from SecretStorage) unless the workspace is untrusted. */
  async startStreams(): Promise<void> {
    if (!isLiveAttachAllowed()) return;
    const targets: RedisStreamTarget[] = [];
    for (const target of this.redisTargets) {
      const password = await this.secrets?.get(redisPasswordSecretKey(target.name));
      targets.push({
        name: target.name,
        url: target.url,
        ...(target.username !== undefined ? { username: target.username } : {}),
        ...(password !== undefined && password !== '' ? { password } : {}),
        streams: target.streams.filter((stream) => !/[*?[]/.test(stream)),
        keyPatterns: target.streams.filter((stream) => /[*?[]/.test(stream)),
        pollIntervalMs: target.pollIntervalMs,
      });
    }
    try {
      await this.current.setRedisTargets(targets);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      this.log(`live: the Redis targets were not polled: ${message}`);
      void vscode.window.showErrorMessage(`Bounded: the Redis targets were not polled: ${message}`);
    }
  }

  get autoStart(): boolean {
    return normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')).otlp.autoStart;
  }

  onChange(listener: () => void): vscode.Disposable {
    this.listeners.add(listener);
    return new vscode.Disposable(() => this.listeners.delete(listener));
  }

  /** Starts the receiver unless it runs, the workspace is untrusted, or the user declines a non-loopback host. */
  async start(port?: number): Promise<void> {
    const session = this.current;
    await this.startStreams();
    if (session.running) return;
    if (!isLiveAttachAllowed()) {
      await session.refuse(untrustedMessage);
      return;
    }
    const { host } = session.state;
    if (!isLoopbackHost(host) && !this.acceptedHosts.has(host) && !(await this.confirmHost(host))) {
      await session.stopReceiver(`Not started: ${host} is not a loopback address and binding it was declined.`);
      return;
    }
    try {
      await session.start(port);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      const message = error instanceof Error ? error.message : String(error);
      this.log(`live: ${message}`);
      if (code === 'EADDRINUSE') void this.offerAnotherPort(message);
      else void this.showStartFailure(message);
    }
  }

  async dispose(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.listeners.clear();
    const session = this.session;
    this.session = undefined;
    await session?.dispose();
  }

  /** After a settings change: a new session with the new settings, running if the old one was. */
  private async restart(): Promise<void> {
    const previous = this.session;
    if (!previous) return;
    const wasRunning = previous.running;
    const wasPolling = previous.streamSource !== undefined;
    this.session = undefined;
    await previous.dispose();
    void this.current;
    this.changed();
    if (wasRunning) await this.start();
    else if (wasPolling) await this.startStreams();
  }

  private async confirmHost(host: string): Promise<boolean> {
    const listen = `Listen on ${host}`;
    const choice = await vscode.window.showWarningMessage(
      `Bounded: bounded.live.otlp.host is ${host}, not a loopback address. The OTLP receiver would accept spans from other machines on the network.`,
      { modal: true },
      listen,
      'Open Settings',
    );
    if (choice === listen) {
      this.acceptedHosts.add(host);
      return true;
    }
    if (choice === 'Open Settings') void vscode.commands.executeCommand('workbench.action.openSettings', 'bounded.live.otlp');
    return false;
  }

  private async offerAnotherPort(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(`Bounded: the OTLP receiver did not start: ${message}.`, 'Use Another Port', 'Open Settings');
    if (choice === 'Open Settings') {
      await vscode.commands.executeCommand('workbench.action.openSettings', 'bounded.live.otlp.port');
    } else if (choice === 'Use Another Port') {
      await this.start(0);
      const { state, endpoint } = this.current.state;
      if (state === 'running' && endpoint) {
        void vscode.window.showInformationMessage(`Bounded: receiving traces at ${endpoint} (set OTEL_EXPORTER_OTLP_ENDPOINT=${endpoint}).`, 'Copy Endpoint').then((copy) => {
          if (copy) void vscode.env.clipboard.writeText(endpoint);
        });
      }
    }
  }

  private async showStartFailure(message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(`Bounded: the OTLP receiver did not start: ${message}`, 'Open Settings');
    if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'bounded.live.otlp');
  }

  private changed(): void {
    for (const listener of [...this.listeners]) listener();
  }
}
