// What "Bounded: Attach to Node Process…" shows, built from the process listing (src/live/
// nodeProcesses.ts): the QuickPick items and the texts of its confirmations. Plain data, no vscode
// import, so the wording is unit-tested.
import { isLoopbackHost } from '../live/inspectorClient';
import { defaultInspectorPort, type NodeProcessInfo } from '../live/nodeProcesses';

/** Where a process's inspector listens, when it has one open. */
export interface InspectorAddress {
  host: string;
  port: number;
}

export interface NodeProcessPickItem {
  label: string;
  description: string;
  detail: string;
  pid: number;
  /** Undefined when no inspector is open: picking it offers SIGUSR1. */
  inspector?: InspectorAddress;
}

const maxCommandLength = 80;

/** The command line, its script path shortened to the last two segments, cut at 80 characters. */
export function shortCommandLine(commandLine: readonly string[]): string {
  const shortened = commandLine.map((arg, index) => {
    if (index === 0) return arg.split('/').pop() ?? arg;
    if (arg.startsWith('-') || !arg.includes('/')) return arg;
    const segments = arg.split('/').filter((segment) => segment !== '');
    return segments.length > 2 ? `…/${segments.slice(-2).join('/')}` : arg;
  });
  const text = shortened.join(' ');
  return text.length > maxCommandLength ? `${text.slice(0, maxCommandLength - 1)}…` : text;
}

/**
 * The address of the process's open inspector: the address its inspector port is bound to, as
 * /proc/net/tcp says (0.0.0.0 and :: are reached on loopback), or undefined when none is open.
 */
export function inspectorAddressOf(info: NodeProcessInfo, probedPort?: number): InspectorAddress | undefined {
  const port = info.inspectorPort ?? probedPort;
  if (port === undefined) return undefined;
  const bound = info.listening.find((socket) => socket.port === port)?.address ?? '127.0.0.1';
  if (bound === '0.0.0.0') return { host: '127.0.0.1', port };
  if (bound === '::') return { host: '::1', port };
  if (bound.startsWith('::ffff:')) return { host: bound.slice('::ffff:'.length), port };
  return { host: bound, port };
}

export function describeAddress(address: InspectorAddress): string {
  return address.host.includes(':') ? `[${address.host}]:${address.port}` : `${address.host}:${address.port}`;
}

export function nodeProcessPickItem(info: NodeProcessInfo, probedPort?: number): NodeProcessPickItem {
  const inspector = inspectorAddressOf(info, probedPort);
  return {
    label: `pid ${info.pid}`,
    description: inspector ? `inspector on ${describeAddress(inspector)}` : 'no inspector open',
    detail: shortCommandLine(info.commandLine),
    pid: info.pid,
    ...(inspector ? { inspector } : {}),
  };
}

/** The processes with an open inspector first, then by pid. */
export function nodeProcessPickItems(processes: ReadonlyArray<{ info: NodeProcessInfo; probedPort?: number }>): NodeProcessPickItem[] {
  return processes
    .map(({ info, probedPort }) => nodeProcessPickItem(info, probedPort))
    .sort((a, b) => Number(b.inspector !== undefined) - Number(a.inspector !== undefined) || a.pid - b.pid);
}

function processName(pid: number, commandLine: readonly string[]): string {
  return `pid ${pid} (${shortCommandLine(commandLine)})`;
}

const attachingDoes =
  'Attaching evaluates a small sampling function in the process through the inspector\'s Runtime domain (never the Debugger: no breakpoints, no pausing): every 2 s it reads process.getActiveResourcesInfo(), process.memoryUsage() and an event-loop delay histogram it installs. Everything it installs is removed when you detach (and by a watchdog in the process if VS Code goes away).';

/** The modal confirmation before connecting to an open inspector. */
export function attachConfirmation(info: Pick<NodeProcessInfo, 'pid' | 'commandLine'>, inspector: InspectorAddress): { message: string; detail: string; action: string } {
  return {
    message: `Attach Bounded to Node ${processName(info.pid, info.commandLine)} through its inspector on ${describeAddress(inspector)}?`,
    detail: attachingDoes,
    action: 'Attach',
  };
}

/** The second confirmation for an inspector on a host other than loopback. */
export function nonLoopbackConfirmation(inspector: InspectorAddress): { message: string; detail: string; action: string } {
  return {
    message: `The inspector of this process listens on ${describeAddress(inspector)}, not a loopback address.`,
    detail: `Anyone who can reach ${describeAddress(inspector)} can run any code in the process, and the connection is not encrypted. Attach over it anyway?`,
    action: `Attach over ${inspector.host}`,
  };
}

/** Why a non-loopback inspector is refused while bounded.live.inspector.allowNonLoopback is off. */
export function nonLoopbackRefusal(inspector: InspectorAddress): string {
  return `Bounded: the inspector of this process listens on ${describeAddress(inspector)}, not a loopback address; Bounded attaches there only with bounded.live.inspector.allowNonLoopback set (and after a second confirmation).`;
}

export function isLoopbackInspector(inspector: InspectorAddress): boolean {
  return isLoopbackHost(inspector.host);
}

/** The port SIGUSR1 opens the inspector on: its --inspect-port, or 9229. */
export function signalInspectorPort(info: Pick<NodeProcessInfo, 'inspectFlagPort'>): number {
  return info.inspectFlagPort !== undefined && info.inspectFlagPort !== 0 ? info.inspectFlagPort : defaultInspectorPort;
}

/** The modal confirmation before sending SIGUSR1 to a process without an open inspector. */
export function signalConfirmation(info: Pick<NodeProcessInfo, 'pid' | 'commandLine' | 'inspectFlagPort'>): { message: string; detail: string; action: string } {
  return {
    message: `Node ${processName(info.pid, info.commandLine)} has no inspector open. Send it SIGUSR1 to open one, and attach?`,
    detail: `Bounded sends it SIGUSR1, as VS Code's debugger does: Node then opens its inspector on 127.0.0.1:${signalInspectorPort(info)} and keeps it open until the process exits (anyone on this machine who can reach that port can run code in the process), and Bounded attaches to it. ${attachingDoes}`,
    action: 'Send SIGUSR1 and Attach',
  };
}

/** What is said instead of offering SIGUSR1 on Windows. */
export const windowsNoSignalMessage =
  'Bounded: this process has no inspector open, and Windows has no SIGUSR1 to open one. Restart it with --inspect (or NODE_OPTIONS=--inspect) and attach again.';

/** The notification when an attached process exits. */
export function processGoneMessage(endpoint: string, pid: number | undefined): { message: string; action: string } {
  return {
    message: `Bounded: Node${pid !== undefined ? ` pid ${pid}` : ''} (inspector ${endpoint}) is gone. Its series and findings are kept until you detach.`,
    action: `Re-attach to ${endpoint}`,
  };
}

/**
 * For "Re-attach" after a target exited: the Node process whose inspector is at `endpoint` now (the
 * listing's inspector address, as the QuickPick would show it), or undefined when none is.
 */
export function processAtInspector<Listed extends { info: NodeProcessInfo; probedPort?: number }>(processes: readonly Listed[], endpoint: InspectorAddress): Listed | undefined {
  return processes.find(({ info, probedPort }) => {
    const address = inspectorAddressOf(info, probedPort);
    return address !== undefined && address.port === endpoint.port && address.host === endpoint.host;
  });
}

/** The modal confirmation before re-attaching: names what listens on the port now, and says so when it is another process. */
export function reattachConfirmation(info: Pick<NodeProcessInfo, 'pid' | 'commandLine'>, inspector: InspectorAddress, previousPid: number | undefined): { message: string; detail: string; action: string } {
  const another = previousPid !== undefined && previousPid !== info.pid;
  return {
    message: `Re-attach Bounded to Node ${processName(info.pid, info.commandLine)} through the inspector on ${describeAddress(inspector)}?`,
    detail: `${another ? `This is not the process that was attached (pid ${previousPid}): another process listens on ${describeAddress(inspector)} now. ` : ''}${attachingDoes}`,
    action: 'Re-attach',
  };
}

/** Said when "Re-attach" finds no Node process with its inspector on the port. */
export function nothingAtInspectorMessage(endpoint: InspectorAddress): string {
  return `Bounded: no Node process has its inspector on ${describeAddress(endpoint)} now. Start the service again with --inspect=${describeAddress(endpoint)}, then re-attach (or use "Attach to Node Process…").`;
}
