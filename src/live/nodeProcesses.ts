// The local Node processes, for "Bounded: Attach to Node Process…": read from /proc (Linux), each
// with its command line, the TCP ports it listens on (its socket inodes in /proc/<pid>/fd matched
// against /proc/net/tcp and tcp6) and its inspector port when it has one open: the port `--inspect`
// (or `--inspect-brk`, `--inspect-wait`, `--inspect-port`, also in NODE_OPTIONS) names, or 9229 when
// the inspector was started by SIGUSR1. With `--inspect=0` the port is random: probeInspectorPort
// asks /json/list on the loopback ports it listens on.
// On macOS and Windows there is no /proc: listNodeProcesses returns [] there (the extension offers
// a port to type instead).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import { listInspectorTargets } from './inspectorClient';

export interface ListeningSocket {
  address: string;
  port: number;
}

export interface NodeProcessInfo {
  pid: number;
  /** argv, as /proc/<pid>/cmdline has it. */
  commandLine: string[];
  /** The inspector port, when one is open: the one its flags name, or 9229 after SIGUSR1. */
  inspectorPort?: number;
  /** What the inspector flags say, whether or not it listens (0: a random port). */
  inspectFlagPort?: number;
  /** The TCP ports it listens on. */
  listening: ListeningSocket[];
}

export const defaultInspectorPort = 9229;

/** Node's executable names: node, nodejs, node20... */
function isNodeExecutable(file: string): boolean {
  return /^node(js)?(\d+(\.\d+)*)?$/.test(path.basename(file));
}

/** The Node processes this user can see, the calling process left out. [] where there is no /proc. */
export async function listNodeProcesses(): Promise<NodeProcessInfo[]> {
  if (process.platform !== 'linux') return [];
  const entries = await fs.readdir('/proc').catch(() => [] as string[]);
  const listening = await listeningSocketsByInode();
  const found: NodeProcessInfo[] = [];
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid) continue;
    const info = await nodeProcessInfo(pid, listening);
    if (info !== undefined) found.push(info);
  }
  return found.sort((a, b) => a.pid - b.pid);
}

/** One process's info, or undefined when it is not a Node process (or is gone, or not ours to read). */
export async function readNodeProcess(pid: number): Promise<NodeProcessInfo | undefined> {
  if (process.platform !== 'linux') return undefined;
  return nodeProcessInfo(pid, await listeningSocketsByInode());
}

async function nodeProcessInfo(pid: number, listeningByInode: Map<string, ListeningSocket>): Promise<NodeProcessInfo | undefined> {
  const commandLine = await fs
    .readFile(`/proc/${pid}/cmdline`, 'utf8')
    .then((text) => text.split('\0').filter((arg, index, all) => arg !== '' || index < all.length - 1))
    .catch(() => undefined);
  if (commandLine === undefined || commandLine.length === 0) return undefined;
  const executable = await fs.readlink(`/proc/${pid}/exe`).catch(() => commandLine[0]);
  if (!isNodeExecutable(executable.replace(/ \(deleted\)$/, '')) && !isNodeExecutable(commandLine[0])) return undefined;

  const nodeOptions = await fs
    .readFile(`/proc/${pid}/environ`, 'utf8')
    .then((text) => text.split('\0').find((variable) => variable.startsWith('NODE_OPTIONS='))?.slice('NODE_OPTIONS='.length))
    .catch(() => undefined);
  const inspectFlagPort = inspectPortOf([...(nodeOptions ? nodeOptions.split(/\s+/) : []), ...nodeFlagsOf(commandLine)]);

  const listening: ListeningSocket[] = [];
  const fds = await fs.readdir(`/proc/${pid}/fd`).catch(() => [] as string[]);
  for (const fd of fds) {
    const link = await fs.readlink(`/proc/${pid}/fd/${fd}`).catch(() => '');
    const inode = /^socket:\[(\d+)\]$/.exec(link)?.[1];
    const socket = inode === undefined ? undefined : listeningByInode.get(inode);
    if (socket !== undefined) listening.push(socket);
  }
  listening.sort((a, b) => a.port - b.port);
  const ports = new Set(listening.map((socket) => socket.port));
  const expected = inspectFlagPort !== undefined && inspectFlagPort !== 0 ? inspectFlagPort : defaultInspectorPort;
  const inspectorPort = ports.has(expected) ? expected : undefined;
  return { pid, commandLine, ...(inspectorPort !== undefined ? { inspectorPort } : {}), ...(inspectFlagPort !== undefined ? { inspectFlagPort } : {}), listening };
}

/** The arguments before the script: Node's own flags (after the script they are the program's). */
function nodeFlagsOf(commandLine: readonly string[]): string[] {
  const flags: string[] = [];
  for (const arg of commandLine.slice(1)) {
    if (!arg.startsWith('-')) break;
    flags.push(arg);
  }
  return flags;
}

/**
 * The port the inspector flags name: `--inspect` (9229), `--inspect=9230`, `--inspect=host:9230`,
 * `--inspect-brk`/`--inspect-wait` alike, `--inspect-port=9230`. Undefined without one.
 */
export function inspectPortOf(flags: readonly string[]): number | undefined {
  let port: number | undefined;
  let enabled = false;
  for (const flag of flags) {
    const match = /^--(inspect(?:-brk|-wait)?|inspect-port|debug-port)(?:=(.*))?$/.exec(flag);
    if (match === null) continue;
    if (match[1] !== 'inspect-port' && match[1] !== 'debug-port') enabled = true;
    if (match[2] !== undefined) {
      const portText = /(?:^|:)(\d+)$/.exec(match[2])?.[1];
      if (portText !== undefined) port = Number(portText);
    }
  }
  if (!enabled && port === undefined) return undefined;
  return port ?? defaultInspectorPort;
}

/** LISTEN sockets of /proc/net/tcp and tcp6, by socket inode. */
async function listeningSocketsByInode(): Promise<Map<string, ListeningSocket>> {
  const sockets = new Map<string, ListeningSocket>();
  for (const [file, v6] of [
    ['/proc/net/tcp', false],
    ['/proc/net/tcp6', true],
  ] as const) {
    const text = await fs.readFile(file, 'utf8').catch(() => '');
    for (const line of text.split('\n').slice(1)) {
      const fields = line.trim().split(/\s+/);
      if (fields.length < 10 || fields[3] !== '0A') continue;
      const [addressHex, portHex] = fields[1].split(':');
      sockets.set(fields[9], { address: v6 ? ipv6Of(addressHex) : ipv4Of(addressHex), port: parseInt(portHex, 16) });
    }
  }
  return sockets;
}

/** /proc/net/tcp writes the address as one little-endian 32-bit word. */
function ipv4Of(hex: string): string {
  return [3, 2, 1, 0].map((i) => parseInt(hex.slice(i * 2, i * 2 + 2), 16)).join('.');
}

/** Four little-endian 32-bit words. */
function ipv6Of(hex: string): string {
  const bytes: number[] = [];
  for (let word = 0; word < 4; word++) for (let i = 3; i >= 0; i--) bytes.push(parseInt(hex.slice(word * 8 + i * 2, word * 8 + i * 2 + 2), 16));
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  const full = groups.join(':');
  if (full === '0:0:0:0:0:0:0:1') return '::1';
  if (full === '0:0:0:0:0:0:0:0') return '::';
  if (full.startsWith('0:0:0:0:0:ffff:')) return `::ffff:${bytes.slice(12).join('.')}`;
  return full;
}

/**
 * The inspector port of a process whose flags do not say it (`--inspect=0`): the first loopback
 * port it listens on that answers /json/list. Only loopback ports are asked.
 */
export async function probeInspectorPort(info: NodeProcessInfo, timeoutMs = 500): Promise<number | undefined> {
  if (info.inspectorPort !== undefined) return info.inspectorPort;
  for (const socket of info.listening) {
    if (!(socket.address.startsWith('127.') || socket.address === '::1')) continue;
    const targets = await listInspectorTargets({ port: socket.port, host: socket.address === '::1' ? '::1' : '127.0.0.1', timeoutMs }).catch(() => undefined);
    if (targets !== undefined && targets.length > 0) return socket.port;
  }
  return undefined;
}

/**
 * Sends SIGUSR1 to a Node process, which makes it open its inspector (on 127.0.0.1:9229, or the port
 * of its --inspect-port), as VS Code's debugger does. The caller must have asked the user first,
 * naming the process: anyone who can reach the inspector can run code in it. Refused on Windows
 * (no SIGUSR1) and for a pid that is not a Node process now (SIGUSR1's default action ends a
 * process that does not handle it). A process that handles SIGUSR1 itself, or runs with
 * --disable-sigusr1, opens nothing: wait for the inspector with a deadline and say so.
 */
export async function sendInspectSignal(pid: number): Promise<void> {
  if (process.platform === 'win32') throw new Error('SIGUSR1 does not exist on Windows: start the process with --inspect instead');
  const info = await readNodeProcess(pid);
  if (process.platform === 'linux' && info === undefined) throw new Error(`pid ${pid} is not a Node process (or has exited): not sending SIGUSR1`);
  process.kill(pid, 'SIGUSR1');
}
