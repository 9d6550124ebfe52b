// "Bounded: Attach to Node Process…" and "Bounded: Detach from Node Process": a QuickPick of the
// local Node processes (src/live/nodeProcesses.ts), a modal confirmation naming the process before
// connecting to its inspector (a second one, and bounded.live.inspector.allowNonLoopback, for a
// non-loopback inspector), or before sending SIGUSR1 to one without an inspector (not on Windows);
// then the window's live session samples it (liveNodeTargets.ts) and its handle-leak findings show
// in the Live findings view. Only in a trusted workspace. A status bar item shows the targets'
// states; a target that exits is 'process gone', with a notification offering to re-attach to the
// same port: re-attaching names the process that has its inspector on that port now and asks again
// (it may be another one), or says nothing is there. In the extension's test mode the command takes
// `{ pid, confirmed: true }` instead of the picks (the prompts cannot be answered from a test).
import * as vscode from 'vscode';
import { listInspectorTargets } from '../live/inspectorClient';
import type { InspectorSource } from '../live/inspectorSource';
import { listNodeProcesses, probeInspectorPort, readNodeProcess, sendInspectSignal, type NodeProcessInfo } from '../live/nodeProcesses';
import { normaliseLive } from '../shared/settings';
import type { LiveNodeTargets, LiveNodeTargetsOptions } from './liveNodeTargets';
import type { LiveSessionHost } from './liveSessionHost';
import {
  attachConfirmation,
  describeAddress,
  inspectorAddressOf,
  isLoopbackInspector,
  nodeProcessPickItems,
  nonLoopbackConfirmation,
  nonLoopbackRefusal,
  nothingAtInspectorMessage,
  processAtInspector,
  processGoneMessage,
  reattachConfirmation,
  signalConfirmation,
  signalInspectorPort,
  windowsNoSignalMessage,
  type InspectorAddress,
  type NodeProcessPickItem,
} from './nodeAttachPrompts';
import { isLiveAttachAllowed } from './workspaceTrust';

export const attachNodeCommandIds = {
  attach: 'bounded.attachNodeProcess',
  detach: 'bounded.detachNodeProcess',
} as const;

/** The test-only argument of the attach command (honoured only in ExtensionMode.Test): the picks made, and a short leak window. */
export interface PrePickedNodeProcess extends LiveNodeTargetsOptions {
  pid: number;
  confirmed: true;
}

/** How long the inspector may take to open after SIGUSR1. */
const signalDeadlineMs = 5000;

export function registerAttachNodeProcess(context: vscode.ExtensionContext, sessions: LiveSessionHost, log: (line: string) => void): void {
  const status = vscode.window.createStatusBarItem('bounded.nodeTargets', vscode.StatusBarAlignment.Left, 0);
  status.name = 'Bounded: attached Node processes';
  status.command = attachNodeCommandIds.detach;
  const watched = new WeakSet<LiveNodeTargets>();

  const showStates = (targets: LiveNodeTargets) => {
    const attached = targets.list();
    if (attached.length === 0) {
      status.hide();
      return;
    }
    status.text = `$(pulse) ${attached.map((source) => `${nodeName(source)}: ${source.state}`).join(', ')}`;
    status.tooltip = 'Bounded is sampling these Node processes through their inspectors. Click to detach.';
    status.show();
  };

  const watch = (targets: LiveNodeTargets) => {
    if (watched.has(targets)) return;
    watched.add(targets);
    targets.onStateChange((endpoint, state, source) => {
      showStates(targets);
      if (state === 'process gone') void offerReattach(targets, endpoint, source);
    });
  };

  const offerReattach = async (targets: LiveNodeTargets, endpoint: string, source: InspectorSource) => {
    const gone = processGoneMessage(endpoint, source.figures().pid);
    const choice = await vscode.window.showWarningMessage(gone.message, gone.action, 'Detach');
    if (targets.get(endpoint) !== source) return;
    if (choice === 'Detach') {
      await targets.detach(endpoint);
      showStates(targets);
    } else if (choice === gone.action) {
      const [host, port] = splitEndpoint(endpoint);
      const now = processAtInspector(await listWithInspectors(), { host, port });
      if (now === undefined) {
        void vscode.window.showInformationMessage(nothingAtInspectorMessage({ host, port }));
        return;
      }
      const inspector = { host, port };
      if (!isLoopbackInspector(inspector) && !normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')).inspector.allowNonLoopback) {
        void vscode.window.showErrorMessage(nonLoopbackRefusal(inspector));
        return;
      }
      if (!(await confirm(reattachConfirmation(now.info, inspector, source.figures().pid)))) return;
      if (!isLoopbackInspector(inspector) && !(await confirm(nonLoopbackConfirmation(inspector)))) return;
      if (targets.get(endpoint) !== source) return;
      await attachWithProgress(targets, { ...inspector, allowNonLoopback: !isLoopbackInspector(inspector) }, `pid ${now.info.pid}`, log);
      showStates(targets);
    }
  };

  const attach = async (prePicked?: PrePickedNodeProcess): Promise<string | undefined> => {
    if (!isLiveAttachAllowed()) {
      void vscode.window.showWarningMessage('Bounded: Restricted Mode: trust the workspace to attach to Node processes.');
      return undefined;
    }
    const confirmed = prePicked !== undefined && context.extensionMode === vscode.ExtensionMode.Test && prePicked.confirmed === true;
    const targets = sessions.current.nodeTargets;
    watch(targets);
    const item = confirmed ? await itemOfPid(prePicked.pid) : await pickProcess();
    if (item === undefined) return undefined;
    let inspector = item.inspector;
    if (inspector === undefined) {
      if (process.platform === 'win32') {
        void vscode.window.showInformationMessage(windowsNoSignalMessage);
        return undefined;
      }
      if (!confirmed && !(await confirm(signalConfirmation(item.info)))) return undefined;
      inspector = await openInspector(item.info, log);
      if (inspector === undefined) return undefined;
    } else {
      if (!isLoopbackInspector(inspector)) {
        if (!normaliseLive(vscode.workspace.getConfiguration('bounded').get('live')).inspector.allowNonLoopback) {
          const choice = await vscode.window.showErrorMessage(nonLoopbackRefusal(inspector), 'Open Settings');
          if (choice) await vscode.commands.executeCommand('workbench.action.openSettings', 'bounded.live.inspector.allowNonLoopback');
          return undefined;
        }
        if (!confirmed && !((await confirm(attachConfirmation(item.info, inspector))) && (await confirm(nonLoopbackConfirmation(inspector))))) return undefined;
      } else if (!confirmed && !(await confirm(attachConfirmation(item.info, inspector)))) {
        return undefined;
      }
    }
    const testOptions: LiveNodeTargetsOptions = confirmed ? { ...(prePicked.leak ? { leak: prePicked.leak } : {}), ...(prePicked.sampleIntervalMs ? { sampleIntervalMs: prePicked.sampleIntervalMs } : {}), ...(prePicked.leakSites ? { leakSites: prePicked.leakSites } : {}) } : {};
    const endpoint = await attachWithProgress(targets, { ...inspector, allowNonLoopback: !isLoopbackInspector(inspector) }, `pid ${item.pid}`, log, testOptions);
    showStates(targets);
    return endpoint;
  };

  const detach = async (): Promise<void> => {
    const targets = sessions.current.nodeTargets;
    const attached = targets.list();
    if (attached.length === 0) {
      void vscode.window.showInformationMessage('Bounded: not attached to any Node process.');
      return;
    }
    let endpoints = attached.map((source) => source.figures().endpoint);
    if (attached.length > 1) {
      const picked = await vscode.window.showQuickPick(
        [{ label: 'All', endpoint: undefined }, ...attached.map((source) => ({ label: nodeName(source), description: source.state, endpoint: source.figures().endpoint }))],
        { placeHolder: 'Detach Bounded from…' },
      );
      if (picked === undefined) return;
      if (picked.endpoint !== undefined) endpoints = [picked.endpoint];
    }
    for (const endpoint of endpoints) await targets.detach(endpoint);
    showStates(targets);
  };

  context.subscriptions.push(
    status,
    vscode.commands.registerCommand(attachNodeCommandIds.attach, (prePicked?: PrePickedNodeProcess) => attach(prePicked)),
    vscode.commands.registerCommand(attachNodeCommandIds.detach, () => detach()),
  );
}

interface PickedProcess extends NodeProcessPickItem {
  info: NodeProcessInfo;
}

async function listWithInspectors(): Promise<Array<{ info: NodeProcessInfo; probedPort?: number }>> {
  const processes = await listNodeProcesses();
  // Only a process started with --inspect=0 needs its ports asked (its inspector port is random).
  return Promise.all(processes.map(async (info) => ({ info, probedPort: info.inspectorPort === undefined && info.inspectFlagPort === 0 ? await probeInspectorPort(info) : undefined })));
}

async function pickProcess(): Promise<PickedProcess | undefined> {
  const listing = vscode.window.showQuickPick<PickedProcess>(
    listWithInspectors().then((processes): PickedProcess[] => {
      const infos = new Map(processes.map(({ info }) => [info.pid, info]));
      return nodeProcessPickItems(processes).map((item) => ({ ...item, info: infos.get(item.pid)! }));
    }),
    { placeHolder: 'Attach Bounded to a Node process (its inspector, or SIGUSR1 to open one)', matchOnDescription: true, matchOnDetail: true },
  );
  const picked = await listing;
  if (picked === undefined && process.platform !== 'linux') {
    void vscode.window.showInformationMessage('Bounded lists Node processes on Linux only: start yours with --inspect and run `bounded watch --inspect <port>`.');
  }
  return picked;
}

async function itemOfPid(pid: number): Promise<PickedProcess | undefined> {
  const info = await readNodeProcess(pid);
  if (info === undefined) {
    void vscode.window.showErrorMessage(`Bounded: pid ${pid} is not a Node process (or has exited).`);
    return undefined;
  }
  const probedPort = info.inspectorPort === undefined && info.inspectFlagPort === 0 ? await probeInspectorPort(info) : undefined;
  const [item] = nodeProcessPickItems([{ info, probedPort }]);
  return { ...item, info };
}

async function confirm(prompt: { message: string; detail: string; action: string }): Promise<boolean> {
  return (await vscode.window.showWarningMessage(prompt.message, { modal: true, detail: prompt.detail }, prompt.action)) === prompt.action;
}

/** Sends SIGUSR1 and waits (with a deadline) for the inspector to answer; undefined after saying why. */
async function openInspector(info: NodeProcessInfo, log: (line: string) => void): Promise<InspectorAddress | undefined> {
  try {
    await sendInspectSignal(info.pid);
  } catch (error) {
    void vscode.window.showErrorMessage(`Bounded: ${messageOf(error)}`);
    return undefined;
  }
  log(`sent SIGUSR1 to Node pid ${info.pid}`);
  const expectedPort = signalInspectorPort(info);
  const deadline = Date.now() + signalDeadlineMs;
  while (Date.now() < deadline) {
    const now = await readNodeProcess(info.pid);
    if (now === undefined) {
      void vscode.window.showErrorMessage(`Bounded: Node pid ${info.pid} exited after SIGUSR1.`);
      return undefined;
    }
    const address = inspectorAddressOf(now);
    if (address !== undefined && (await answers(address))) return address;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  void vscode.window.showErrorMessage(
    `Bounded: Node pid ${info.pid} opened no inspector on port ${expectedPort} within ${signalDeadlineMs / 1000} s of SIGUSR1 (it may handle SIGUSR1 itself, run with --disable-sigusr1, or the port may be taken). Start it with --inspect instead.`,
  );
  return undefined;
}

async function answers(address: InspectorAddress): Promise<boolean> {
  if (!isLoopbackInspector(address)) return true;
  const targets = await listInspectorTargets({ ...address, timeoutMs: 500 }).catch(() => []);
  return targets.length > 0;
}

/** Attaches under a progress notification; the endpoint, or undefined after an error notification. */
async function attachWithProgress(
  targets: LiveNodeTargets,
  endpoint: InspectorAddress & { allowNonLoopback?: boolean },
  what: string,
  log: (line: string) => void,
  options: LiveNodeTargetsOptions = {},
): Promise<string | undefined> {
  try {
    const { source, started } = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Bounded: attaching to ${what} (${describeAddress(endpoint)})…` }, () => targets.attach(endpoint, options));
    void vscode.window.showInformationMessage(`Bounded: ${started}. Handle leaks show in the Live findings view.`);
    return source.figures().endpoint;
  } catch (error) {
    log(`inspector ${describeAddress(endpoint)}: attach failed: ${messageOf(error)}`);
    void vscode.window.showErrorMessage(`Bounded: could not attach to ${what} on ${describeAddress(endpoint)}: ${messageOf(error)}`);
    return undefined;
  }
}

function nodeName(source: InspectorSource): string {
  const { pid, endpoint } = source.figures();
  return pid !== undefined ? `Node pid ${pid}` : `Node ${endpoint}`;
}

function splitEndpoint(endpoint: string): [string, number] {
  const colon = endpoint.lastIndexOf(':');
  return [endpoint.slice(0, colon).replace(/^\[|\]$/g, ''), Number(endpoint.slice(colon + 1))];
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
