// What "Bounded: Attach to Node Process…" shows, from process listings as nodeProcesses.ts gives
// them: the QuickPick items (pid, shortened command line, the inspector when open) and the texts
// of the confirmations (naming the process, saying what attaching does).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NodeProcessInfo } from '../../src/live/nodeProcesses';
import {
  attachConfirmation,
  inspectorAddressOf,
  isLoopbackInspector,
  nodeProcessPickItem,
  nodeProcessPickItems,
  nonLoopbackConfirmation,
  nonLoopbackRefusal,
  nothingAtInspectorMessage,
  processAtInspector,
  processGoneMessage,
  reattachConfirmation,
  shortCommandLine,
  signalConfirmation,
} from '../../src/extension/nodeAttachPrompts';

const withInspector: NodeProcessInfo = {
  pid: 4242,
  commandLine: ['/usr/local/bin/node', '--inspect=9230', '/home/dev/projects/shop/dist/server.js', '--port', '8080'],
  inspectorPort: 9230,
  inspectFlagPort: 9230,
  listening: [
    { address: '127.0.0.1', port: 9230 },
    { address: '0.0.0.0', port: 8080 },
  ],
};

const withoutInspector: NodeProcessInfo = {
  pid: 77,
  commandLine: ['node', '/srv/app/worker.js'],
  listening: [{ address: '::', port: 3000 }],
};

describe('attach to Node process: QuickPick items', () => {
  it('names the pid, shortens the command line and says where the inspector listens', () => {
    assert.deepEqual(nodeProcessPickItem(withInspector), {
      label: 'pid 4242',
      description: 'inspector on 127.0.0.1:9230',
      detail: 'node --inspect=9230 …/dist/server.js --port 8080',
      pid: 4242,
      inspector: { host: '127.0.0.1', port: 9230 },
    });
    assert.deepEqual(nodeProcessPickItem(withoutInspector), { label: 'pid 77', description: 'no inspector open', detail: 'node …/app/worker.js', pid: 77 });
  });

  it('lists the processes with an inspector first, then by pid', () => {
    const other = { ...withoutInspector, pid: 5 };
    assert.deepEqual(
      nodeProcessPickItems([{ info: withoutInspector }, { info: withInspector }, { info: other }]).map((item) => item.pid),
      [4242, 5, 77],
    );
  });

  it('takes a probed port (--inspect=0) and the address the port is bound to', () => {
    const random: NodeProcessInfo = { pid: 9, commandLine: ['node', '--inspect=0', 'a.js'], inspectFlagPort: 0, listening: [{ address: '127.0.0.1', port: 40001 }] };
    assert.equal(nodeProcessPickItem(random).inspector, undefined);
    assert.deepEqual(nodeProcessPickItem(random, 40001).inspector, { host: '127.0.0.1', port: 40001 });
    const anyAddress: NodeProcessInfo = { ...withInspector, listening: [{ address: '0.0.0.0', port: 9230 }] };
    assert.deepEqual(inspectorAddressOf(anyAddress), { host: '127.0.0.1', port: 9230 });
    const v6: NodeProcessInfo = { ...withInspector, listening: [{ address: '::1', port: 9230 }] };
    assert.equal(nodeProcessPickItem(v6).description, 'inspector on [::1]:9230');
    const lan: NodeProcessInfo = { ...withInspector, listening: [{ address: '192.168.1.20', port: 9230 }] };
    const lanAddress = inspectorAddressOf(lan)!;
    assert.deepEqual(lanAddress, { host: '192.168.1.20', port: 9230 });
    assert.equal(isLoopbackInspector(lanAddress), false);
    assert.equal(isLoopbackInspector({ host: '::1', port: 1 }), true);
  });

  it('cuts a long command line at 80 characters', () => {
    const long = shortCommandLine(['node', 'server.js', ...Array.from({ length: 30 }, (_, i) => `--flag${i}`)]);
    assert.equal(long.length, 80);
    assert.ok(long.endsWith('…'));
  });
});

describe('attach to Node process: confirmations', () => {
  it('names the process and says what attaching evaluates and that it is removed on detach', () => {
    const prompt = attachConfirmation(withInspector, { host: '127.0.0.1', port: 9230 });
    assert.equal(prompt.message, 'Attach Bounded to Node pid 4242 (node --inspect=9230 …/dist/server.js --port 8080) through its inspector on 127.0.0.1:9230?');
    assert.match(prompt.detail, /Runtime domain/);
    assert.match(prompt.detail, /never the Debugger/);
    assert.match(prompt.detail, /removed when you detach/);
    assert.equal(prompt.action, 'Attach');
  });

  it('asks before SIGUSR1, naming the process, the port it opens and what attaching does', () => {
    const prompt = signalConfirmation(withoutInspector);
    assert.match(prompt.message, /^Node pid 77 \(node …\/app\/worker\.js\) has no inspector open\. Send it SIGUSR1/);
    assert.match(prompt.detail, /127\.0\.0\.1:9229/);
    assert.match(prompt.detail, /removed when you detach/);
    assert.equal(prompt.action, 'Send SIGUSR1 and Attach');
    assert.match(signalConfirmation({ ...withoutInspector, inspectFlagPort: 9333 }).detail, /127\.0\.0\.1:9333/);
  });

  it('asks a second time for a non-loopback inspector, and names the setting when it is off', () => {
    const address = { host: '10.0.0.5', port: 9229 };
    const second = nonLoopbackConfirmation(address);
    assert.match(second.message, /10\.0\.0\.5:9229, not a loopback address/);
    assert.match(second.detail, /run any code/);
    assert.equal(second.action, 'Attach over 10.0.0.5');
    assert.match(nonLoopbackRefusal(address), /bounded\.live\.inspector\.allowNonLoopback/);
  });

  it('offers re-attaching to the same port when the process is gone', () => {
    assert.deepEqual(processGoneMessage('127.0.0.1:9229', 4242), {
      message: 'Bounded: Node pid 4242 (inspector 127.0.0.1:9229) is gone. Its series and findings are kept until you detach.',
      action: 'Re-attach to 127.0.0.1:9229',
    });
  });

  it('re-attach finds what has its inspector on the port now: by its inspector address, probed ports too', () => {
    const probed: NodeProcessInfo = { pid: 9001, commandLine: ['node', '--inspect=0', 'app.js'], inspectFlagPort: 0, listening: [{ address: '127.0.0.1', port: 40123 }] };
    const listing = [{ info: withoutInspector }, { info: withInspector }, { info: probed, probedPort: 40123 }];
    assert.equal(processAtInspector(listing, { host: '127.0.0.1', port: 9230 })?.info.pid, 4242);
    assert.equal(processAtInspector(listing, { host: '127.0.0.1', port: 40123 })?.info.pid, 9001);
    assert.equal(processAtInspector(listing, { host: '127.0.0.1', port: 9229 }), undefined, 'nothing has its inspector there');
    assert.equal(processAtInspector(listing, { host: '127.0.0.1', port: 3000 }), undefined, 'a port that is not an inspector');
    assert.equal(processAtInspector(listing, { host: '10.0.0.5', port: 9230 }), undefined, 'same port, another address');
  });

  it('re-attach names the process and says when it is not the one that was attached', () => {
    const inspector = { host: '127.0.0.1', port: 9230 };
    const same = reattachConfirmation(withInspector, inspector, 4242);
    assert.equal(same.message, 'Re-attach Bounded to Node pid 4242 (node --inspect=9230 …/dist/server.js --port 8080) through the inspector on 127.0.0.1:9230?');
    assert.equal(same.action, 'Re-attach');
    assert.doesNotMatch(same.detail, /not the process/);
    assert.match(same.detail, /never the Debugger/);
    const another = reattachConfirmation(withInspector, inspector, 1234);
    assert.match(another.detail, /^This is not the process that was attached \(pid 1234\): another process listens on 127\.0\.0\.1:9230 now\./);
    assert.equal(nothingAtInspectorMessage(inspector), 'Bounded: no Node process has its inspector on 127.0.0.1:9230 now. Start the service again with --inspect=127.0.0.1:9230, then re-attach (or use "Attach to Node Process…").');
  });
});
