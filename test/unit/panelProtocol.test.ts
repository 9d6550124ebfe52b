// The panel protocol's guards accept their own messages (also after the structured clone or JSON
// round trip of postMessage) and reject every other method and every malformed params.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  type IpcMessage,
  OpenDocsCommand,
  OpenLocationCommand,
  type PanelFinding,
  ReadyCommand,
  RunCommandCommand,
  SnapshotNotification,
  type SnapshotParams,
} from '../../src/shared/panelProtocol';

const finding: PanelFinding = {
  uri: 'file:///work/service/src/a.ts',
  file: 'src/a.ts',
  line: 3,
  character: 2,
  rule: 'floating-promise',
  severity: 'warning',
  message: 'The promise returned by load() floats.',
  docsUri: 'file:///ext/docs/rules/floating-promise.md',
};

const snapshot: SnapshotParams = { findings: [finding], generatedAt: 1_700_000_000_000, trusted: true };

const messageTypes = [ReadyCommand, OpenLocationCommand, RunCommandCommand, OpenDocsCommand, SnapshotNotification];

const valid: ReadonlyArray<IpcMessage<unknown>> = [
  ReadyCommand.message(undefined),
  OpenLocationCommand.message({ file: finding.uri, line: 3, character: 2 }),
  RunCommandCommand.message({ command: 'bounded.analyzeWorkspace' }),
  OpenDocsCommand.message({ rule: 'floating-promise' }),
  SnapshotNotification.message(snapshot),
];

function withParams(method: string, params: unknown): unknown {
  return { method, params };
}

describe('panel protocol', () => {
  it('gives each message type its own method', () => {
    assert.deepEqual(
      messageTypes.map((type) => type.method),
      ['ready', 'openLocation', 'runCommand', 'openDocs', 'snapshot'],
    );
    assert.deepEqual(
      messageTypes.map((type) => type.direction),
      ['webviewToHost', 'webviewToHost', 'webviewToHost', 'webviewToHost', 'hostToWebview'],
    );
  });

  it('accepts each message by its own guard only', () => {
    for (const [index, message] of valid.entries()) {
      for (const [typeIndex, type] of messageTypes.entries()) {
        assert.equal(type.is(message), index === typeIndex, `${type.method}.is(${message.method})`);
      }
    }
  });

  it('accepts messages after the structured clone or JSON round trip of postMessage', () => {
    const withoutDocs = SnapshotNotification.message({ ...snapshot, findings: [{ ...finding, docsUri: undefined }] });
    for (const message of [...valid, withoutDocs]) {
      const type = messageTypes.find((candidate) => candidate.method === message.method);
      assert.ok(type?.is(structuredClone(message)), `${message.method} after structuredClone`);
      assert.ok(type?.is(JSON.parse(JSON.stringify(message))), `${message.method} after JSON`);
    }
    assert.ok(SnapshotNotification.is(SnapshotNotification.message({ findings: [], generatedAt: 0, trusted: false })));
  });

  it('rejects values that are not messages', () => {
    for (const value of [undefined, null, 'ready', 42, [], ['ready'], { method: 'Ready' }, { params: {} }]) {
      for (const type of messageTypes) assert.equal(type.is(value), false, `${type.method}.is(${JSON.stringify(value)})`);
    }
  });

  it('rejects ready with params', () => {
    assert.equal(ReadyCommand.is(withParams('ready', {})), false);
  });

  it('rejects malformed openLocation params', () => {
    const good = { file: finding.uri, line: 3, character: 2 };
    const malformed: unknown[] = [
      undefined,
      null,
      [],
      { ...good, file: '' },
      { ...good, file: 7 },
      { line: 3, character: 2 },
      { ...good, line: -1 },
      { ...good, line: 1.5 },
      { ...good, line: '3' },
      { ...good, line: Number.NaN },
      { ...good, character: Number.POSITIVE_INFINITY },
      { file: finding.uri, line: 3 },
    ];
    for (const params of malformed) {
      assert.equal(OpenLocationCommand.is(withParams('openLocation', params)), false, JSON.stringify(params));
    }
  });

  it('accepts only the allowlisted commands in runCommand', () => {
    for (const command of ['workbench.action.terminal.new', 'bounded.restartServer', 'vscode.open', '', undefined, 1]) {
      assert.equal(RunCommandCommand.is(withParams('runCommand', { command })), false, String(command));
    }
    assert.equal(RunCommandCommand.is(withParams('runCommand', 'bounded.analyzeWorkspace')), false);
  });

  it('rejects openDocs without a rule', () => {
    for (const params of [undefined, {}, { rule: '' }, { rule: 3 }]) {
      assert.equal(OpenDocsCommand.is(withParams('openDocs', params)), false, JSON.stringify(params));
    }
  });

  it('rejects malformed snapshots', () => {
    const malformed: unknown[] = [
      undefined,
      { ...snapshot, findings: undefined },
      { ...snapshot, findings: {} },
      { ...snapshot, generatedAt: Number.NaN },
      { ...snapshot, generatedAt: '2024-01-01' },
      { ...snapshot, trusted: 'yes' },
      { findings: [finding], generatedAt: 1 },
      { ...snapshot, findings: [finding, null] },
      { ...snapshot, findings: [{ ...finding, severity: 'hint' }] },
      { ...snapshot, findings: [{ ...finding, uri: '' }] },
      { ...snapshot, findings: [{ ...finding, line: -2 }] },
      { ...snapshot, findings: [{ ...finding, message: undefined }] },
      { ...snapshot, findings: [{ ...finding, rule: 12 }] },
      { ...snapshot, findings: [{ ...finding, file: null }] },
      { ...snapshot, findings: [{ ...finding, docsUri: 5 }] },
    ];
    for (const params of malformed) {
      assert.equal(SnapshotNotification.is(withParams('snapshot', params)), false, JSON.stringify(params));
    }
  });
});
