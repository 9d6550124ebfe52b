// code-server (VS Code's server and web workbench, with a real Node extension host), installed on
// demand from npm into an ignored cache folder, and started on a free loopback port with fresh
// user-data and extensions folders. See shared/notes/real-vscode-tests.md for why it is set up so.
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { arch, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';

const execFileAsync = promisify(execFile);

export const repoRoot = resolve(__dirname, '..', '..');

const codeServerVersion = '4.100.3';
const cacheDir = join(repoRoot, '.vscode-test', 'code-server');
const installedMarkerName = `installed-${codeServerVersion}`;
const installedMarker = join(cacheDir, installedMarkerName);
const codeServerEntry = join(cacheDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

// Debian packages that building code-server's native modules needs (g++, make and python3 too,
// which these machines have preinstalled), and ripgrep, whose binary stands in for the download
// that @vscode/ripgrep's postinstall would otherwise make.
const installPackages = ['libkrb5-dev', 'libx11-dev', 'libxkbfile-dev', 'libsecret-1-dev', 'pkg-config', 'ripgrep'];

// @vscode/ripgrep@1.15.11 looks for this archive in $TMPDIR before downloading from GitHub.
const ripgrepPackageVersion = '1.15.11';
const ripgrepReleaseVersion = 'v13.0.0-10';
const ripgrepTargets: Partial<Record<string, string>> = {
  x64: 'x86_64-unknown-linux-musl',
  arm64: 'aarch64-unknown-linux-musl',
};

// User settings of every started code-server: nothing that reaches for the (unreachable) gallery,
// and no prompts about the git repository that holds the opened folder.
const defaultUserSettings = {
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'extensions.ignoreRecommendations': true,
  'git.openRepositoryInParentFolders': 'never',
  'workbench.startupEditor': 'none',
};

const listeningTimeoutMs = 60_000;
const stopTimeoutMs = 10_000;

/** Throws naming every Debian package of `packages` that is not installed. */
export async function requireDebianPackages(packages: readonly string[], purpose: string): Promise<void> {
  let statusLines: string;
  try {
    const result = await execFileAsync('dpkg-query', ['-W', '-f', '${Package} ${db:Status-Status}\n', ...packages]);
    statusLines = result.stdout;
  } catch (error) {
    const failure = error as NodeJS.ErrnoException & { stdout?: string };
    if (failure.code === 'ENOENT') {
      throw new Error(`${purpose} needs the Debian packages ${packages.join(' ')}, and dpkg-query is not available to check for them.`);
    }
    // dpkg-query exits 1 when some package is unknown; its stdout still lists the known ones.
    statusLines = failure.stdout ?? '';
  }
  const installed = new Set(
    statusLines
      .split('\n')
      .map((line) => line.split(' '))
      .filter(([, status]) => status === 'installed')
      .map(([name]) => name.replace(/:.*$/, '')),
  );
  const missing = packages.filter((name) => !installed.has(name));
  if (missing.length > 0) {
    throw new Error(`${purpose} needs the Debian packages: ${missing.join(' ')}.\nInstall them with: apt-get install -y ${missing.join(' ')}`);
  }
}

function run(command: string, args: readonly string[], cwd: string, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    // The child's stdout goes to our stderr: our stdout carries test results only.
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', process.stderr, process.stderr] });
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (code === 0) resolvePromise();
      else reject(new Error(`${command} ${args.join(' ')} failed (${signal ?? `exit code ${code}`})`));
    });
  });
}

async function writeRipgrepCacheArchive(tmpDir: string): Promise<void> {
  const target = ripgrepTargets[arch()];
  if (!target) throw new Error(`No ripgrep archive name known for the CPU architecture ${arch()}`);
  const archiveDir = join(tmpDir, `vscode-ripgrep-cache-${ripgrepPackageVersion}`);
  mkdirSync(archiveDir, { recursive: true });
  const archive = join(archiveDir, `ripgrep-${ripgrepReleaseVersion}-${target}.tar.gz`);
  await execFileAsync('tar', ['-czf', archive, '-C', '/usr/bin', 'rg']);
}

async function installInto(dir: string): Promise<void> {
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: 'bounded-code-server-cache',
        private: true,
        description: 'code-server for the Bounded extension tests, installed by test/vscode/codeServer.ts',
        dependencies: { 'code-server': codeServerVersion },
        allowScripts: { [`code-server@${codeServerVersion}`]: true, argon2: true },
      },
      null,
      2,
    )}\n`,
  );
  const tmpDir = join(dir, 'tmp');
  await writeRipgrepCacheArchive(tmpDir);
  await run('npm', ['install', '--no-audit', '--no-fund', '--no-package-lock'], dir, {
    ...process.env,
    TMPDIR: tmpDir,
    // code-server's postinstall refuses to run as root without it, and node-pty runs `npx node-gyp`.
    npm_config_unsafe_perm: 'true',
    npm_config_yes: 'true',
  });
  rmSync(tmpDir, { recursive: true, force: true });
  writeFileSync(join(dir, installedMarkerName), `${new Date().toISOString()}\n`);
}

/** Installs code-server into .vscode-test/code-server/ unless that version is already there. */
export async function ensureCodeServer(): Promise<void> {
  if (existsSync(installedMarker)) return;
  if (process.versions.node.split('.')[0] !== '20') {
    throw new Error(`code-server ${codeServerVersion} requires Node 20; this is Node ${process.versions.node}`);
  }
  await requireDebianPackages(installPackages, `Installing code-server ${codeServerVersion}`);
  const started = Date.now();
  process.stderr.write(`Installing code-server ${codeServerVersion} into ${cacheDir} (about a minute)...\n`);
  // Installed beside the cache folder and renamed into place once complete: a failed install leaves
  // nothing half-done, and runs that install at the same time in one checkout do not collide.
  mkdirSync(dirname(cacheDir), { recursive: true });
  const staging = mkdtempSync(`${cacheDir}.installing-`);
  try {
    await installInto(staging);
    if (existsSync(installedMarker)) return;
    rmSync(cacheDir, { recursive: true, force: true });
    renameSync(staging, cacheDir);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  process.stderr.write(`Installed code-server in ${Math.round((Date.now() - started) / 1000)} s\n`);
}

/** Installs a packaged extension into `extensionsDir`, the way a user installs a .vsix. */
export async function installExtension(vsixPath: string, extensionsDir: string): Promise<void> {
  await run(process.execPath, [codeServerEntry, '--extensions-dir', extensionsDir, '--install-extension', vsixPath], repoRoot);
}

export interface CodeServer {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  readonly url: string;
  /** host:port, the authority of vscode-remote:// URIs that name files on this server. */
  readonly authority: string;
  readonly extensionsDir: string;
  /** Settles when the code-server process ends, with a description of how. */
  readonly exited: Promise<string>;
  stop(): Promise<void>;
}

export interface WorkbenchOptions {
  /** Absolute path of the folder to open. */
  readonly folder: string;
  readonly extensionDevelopmentPath?: string;
  readonly extensionTestsPath?: string;
}

/** The URL that opens the workbench on `folder`, loading and testing extensions as given. */
export function workbenchUrl(server: CodeServer, options: WorkbenchOptions): string {
  const remote = (path: string): string => `vscode-remote://${server.authority}${path}`;
  const payload: Array<[string, string]> = [['skipWelcome', 'true']];
  if (options.extensionDevelopmentPath) payload.push(['extensionDevelopmentPath', remote(options.extensionDevelopmentPath)]);
  if (options.extensionTestsPath) payload.push(['extensionTestsPath', remote(options.extensionTestsPath)]);
  const query = new URLSearchParams({ folder: options.folder, payload: JSON.stringify(payload) });
  return `${server.url}/?${query.toString()}`;
}

export interface StartOptions {
  /** Defaults to a fresh empty folder. */
  extensionsDir?: string;
  /** Forward code-server's own log to stderr (the demo does; tests keep it unless it fails to start). */
  logToStderr?: boolean;
  /** User settings added to the defaults (the demo's receiver port and autoStart). */
  userSettings?: Record<string, unknown>;
}

/** Starts code-server on 127.0.0.1 (port chosen by the OS) and resolves once it is listening. */
export function startCodeServer(options: StartOptions = {}): Promise<CodeServer> {
  const stateDir = mkdtempSync(join(tmpdir(), 'bounded-code-server-'));
  const extensionsDir = options.extensionsDir ?? join(stateDir, 'extensions');
  const userDataDir = join(stateDir, 'user-data');
  mkdirSync(join(userDataDir, 'User'), { recursive: true });
  writeFileSync(join(userDataDir, 'User', 'settings.json'), `${JSON.stringify({ ...defaultUserSettings, ...options.userSettings }, null, 2)}\n`);
  const child = spawn(
    process.execPath,
    [
      codeServerEntry,
      '--auth', 'none',
      '--bind-addr', '127.0.0.1:0',
      '--disable-telemetry',
      '--disable-update-check',
      '--disable-workspace-trust',
      '--config', join(stateDir, 'config.yaml'),
      '--user-data-dir', userDataDir,
      '--extensions-dir', extensionsDir,
    ],
    // Its own process group, so stop() also ends the extension host and other helpers it forks.
    { detached: true, stdio: ['ignore', 'pipe', 'pipe'] },
  );

  const exited = new Promise<string>((resolvePromise) => {
    child.on('exit', (code, signal) => resolvePromise(signal ? `killed by ${signal}` : `exit code ${code}`));
  });
  const stop = async (): Promise<void> => {
    await stopProcessGroup(child);
    rmSync(stateDir, { recursive: true, force: true });
  };

  return new Promise((resolvePromise, reject) => {
    let output = '';
    let settled = false;
    const fail = (reason: string): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      void stop().finally(() => reject(new Error(`code-server did not start: ${reason}\n--- its output ---\n${output}`)));
    };
    const timer = setTimeout(() => fail(`no "HTTP server listening" within ${listeningTimeoutMs / 1000} s`), listeningTimeoutMs);
    const onData = (chunk: Buffer): void => {
      const text = chunk.toString();
      if (options.logToStderr) process.stderr.write(text);
      if (settled) return;
      output += text;
      const listening = /HTTP server listening on (http:\/\/[^\s/]+)/.exec(output);
      if (listening) {
        settled = true;
        clearTimeout(timer);
        const url = listening[1];
        resolvePromise({ url, authority: new URL(url).host, extensionsDir, exited, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    child.on('error', (error) => fail(error.message));
    void exited.then((how) => fail(`it exited (${how})`));
  });
}

async function stopProcessGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolvePromise) => child.once('exit', () => resolvePromise()));
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      process.kill(-pid, signal);
    } catch {
      // The group is already gone.
    }
  };
  signalGroup('SIGTERM');
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<boolean>((resolvePromise) => {
    timer = setTimeout(() => resolvePromise(true), stopTimeoutMs);
  });
  const forced = await Promise.race([exited.then(() => false), timedOut]);
  clearTimeout(timer);
  if (forced) {
    signalGroup('SIGKILL');
    await exited;
  }
}
