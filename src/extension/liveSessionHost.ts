// The window's live session, as VS Code sees it: read from the bounded.live settings, started only
// in a trusted workspace, with a warning before binding a non-loopback host and a notification
// when the port is taken ("Use Another Port" starts on a free one and says which; "Open Settings").
// Never silent: every failure to start is a notification and the panel shows the receiver's state.
// The Redis targets of bounded.live.redis.targets and of "Attach to Redis…" (kept in the workspace
// state, attachedRedisTargets.ts; their passwords from SecretStorage, keyed by target name) are
// polled from the same start, in a trusted workspace only; "Forget Redis Target…" drops one.
// So are the Prometheus and pprof endpoints of bounded.live.metrics.targets / .pprof.targets. The
// attached Node processes and those endpoints are the host's (liveAttachedTargets.ts): a settings
// change rebuilds the session around them, and one that concerns only targets or the inspector
// (sessionRebuildNeeded) rebuilds nothing: the receiver and the pollers of unchanged targets go on.
// With BOUNDED_LIVE_ENDPOINT_FILE set (`npm run demo` sets it), the receiver's state and endpoint
// are written to that file as JSON whenever they change, for scripts that send it traces.
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import * as vscode from 'vscode';
import type { RedisStreamTarget } from '../live/streamPoller';
import { isLoopbackHost, normaliseLive, type RedisTargetSetting } from '../shared/settings';
import { AttachedRedisTargets } from './attachedRedisTargets';
import { LiveAttachedTargets } from './liveAttachedTargets';
import { LiveSession, sessionRebuildNeeded } from './liveSession';
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
  /** The attached Node processes and polled endpoints, handed to each session. */
  private readonly attached: LiveAttachedTargets;
  /** Whether the metrics and pprof targets were started (they then follow the settings). */
  private scraping = false;
  /** The receiver state last written to BOUNDED_LIVE_ENDPOINT_FILE, as JSON. */
  private publishedEndpoint: string | undefined;
  constructor(
    private readonly log: (line: string) => void,
    private readonly secrets?: vscode.SecretStorage,
    /** Targets added by "Attach to Redis…", kept in the workspace state (a settings target of the same name wins). */
    readonly attachedRedisTargets = new AttachedRedisTargets(),
  ) {
    this.attached = new LiveAttachedTargets(log);
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
      this.session = new LiveSession(normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')), this.log, {}, this.attached);
      this.session.onChange(() => this.changed());
    }
    return this.session;
  }

  /** The Redis targets polled when started: the settings' ones, then the attached ones. */
  get redisTargets(): RedisTargetSetting[] {
    const configured = normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')).redis.targets;
    return [...configured, ...this.attachedRedisTargets.list().filter((attached) => !configured.some((target) => target.name === attached.name))];
  }

  /** Adds (or replaces, by name) a target of "Attach to Redis…" and polls it, in a trusted workspace. */
  async attachRedis(target: RedisTargetSetting): Promise<void> {
    await this.attachedRedisTargets.put(target);
    await this.startStreams();
  }

  /** "Forget Redis Target…": no longer attached, its password deleted; polling (if it runs) goes on with the targets left. */
  async forgetRedis(name: string): Promise<void> {
    await this.attachedRedisTargets.remove(name);
    await this.secrets?.delete(redisPasswordSecretKey(name));
    if (this.session?.streamSource !== undefined) await this.startStreams();
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
        ...(target.cluster === true ? { cluster: true } : {}),
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
    await this.startScrapes();
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

  /** Polls the metrics and pprof targets of the settings unless the workspace is untrusted (unchanged ones go on as they are). */
  async startScrapes(): Promise<void> {
    if (!isLiveAttachAllowed()) return;
    this.scraping = true;
    const { metrics, pprof } = normaliseLive(vscode.workspace.getConfiguration('bounded').get('live'));
    const refused = await this.attached.scrapeTargets.setTargets(metrics.targets, pprof.targets);
    if (refused.length === 0) return;
    this.log(`live: not polled: ${refused.join('; ')}`);
    void vscode.window.showErrorMessage(`Bounded: not polled: ${refused.join('; ')}`);
  }

  async dispose(): Promise<void> {
    for (const subscription of this.subscriptions) subscription.dispose();
    this.listeners.clear();
    const session = this.session;
    this.session = undefined;
    await session?.dispose();
    await this.attached.dispose();
  }

  /**
   * After a settings change: the targets follow the settings; a new session with the new settings
   * (around the same attached targets), running if the old one was, unless only targets or the
   * inspector setting changed.
   */
  private async restart(): Promise<void> {
    if (this.scraping) await this.startScrapes();
    const previous = this.session;
    if (!previous) return;
    const wasRunning = previous.running;
    const wasPolling = previous.streamSource !== undefined;
    if (!sessionRebuildNeeded(previous.settings, normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')))) {
      if (wasRunning || wasPolling) await this.startStreams();
      return;
    }
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
    this.publishEndpoint();
    for (const listener of [...this.listeners]) listener();
  }

  /**
   * Writes the receiver's state to BOUNDED_LIVE_ENDPOINT_FILE when it changed (written whole: a
   * reader never sees half). A receiver that is not running leaves alone a file in which another
   * window (another extension host) says its receiver runs: the file names the one that runs.
   */
  private publishEndpoint(): void {
    const file = process.env.BOUNDED_LIVE_ENDPOINT_FILE;
    if (file === undefined || file === '' || this.session === undefined) return;
    const { state, endpoint } = this.session.state;
    const published = JSON.stringify({ state, ...(endpoint !== undefined ? { endpoint } : {}), pid: process.pid });
    if (published === this.publishedEndpoint) return;
    this.publishedEndpoint = published;
    try {
      if (state !== 'running' && existsSync(file)) {
        const written = JSON.parse(readFileSync(file, 'utf8')) as { state?: unknown; pid?: unknown };
        if (written.state === 'running' && written.pid !== process.pid) return;
      }
      writeFileSync(`${file}.${process.pid}.tmp`, `${published}\n`);
      renameSync(`${file}.${process.pid}.tmp`, file);
    } catch (error) {
      this.log(`live: could not write the endpoint to ${file}: ${error instanceof Error ? error.message : String(error)}`);
    }
  }
}
