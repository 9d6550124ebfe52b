// Live findings to editor diagnostics (src/extension/liveDiagnosticModel.ts): a leak site the real
// LeakDetector raises at a workspace line becomes a diagnostic on that line in the wording,
// goes when the leak stops, and never appears for a file outside the workspace (or under
// node_modules, or missing); a stream backlog shows at each xreadgroup site of its stream key and
// nowhere else (a dead consumer too); a finding whose process is gone does not hold. The Streams tab's site labels too.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { LeakDetector, type LeakSeriesSpec } from '../../src/live/leakDetector';
import { LiveFindingSet } from '../../src/live/liveFindingSet';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { liveDiagnosticMessage, liveDiagnosticSpecs, workspaceFileIn } from '../../src/extension/liveDiagnosticModel';
import { isKnownStreamSite, panelStreamSites, withStreamSites } from '../../src/extension/streamSitesPanel';
import type { PanelRedisTarget } from '../../src/shared/livePanelProtocol';
import type { StreamSite } from '../../src/shared/streamSitesProtocol';
import { scratchFolder } from '../support/scratchFolder';

const start = 1_700_000_000_000;
const workspace = scratchFolder('live-diagnostics');
const leakingFile = workspace.write('src/poller.ts', 'export function poll(): void {\n  setInterval(() => undefined, 1000);\n}\n');
const vendored = workspace.write('node_modules/lib/index.js', 'setInterval(() => {}, 1);\n');
const outside = scratchFolder('live-diagnostics-outside').write('elsewhere.ts', 'setInterval(() => {}, 1);\n');

/** A real detector over a site series at `file:line`, leaking 60/min then (after `leakForMs`) flat; returns the finding set. */
function leakAt(file: string, line: number, leakForMs = 60_000, runForMs = leakForMs) {
  let now = start;
  const store = new TimeSeriesStore({ maxKeys: 10, maxPointsPerKey: 1000, maxAgeMs: 600_000 }, () => now);
  const findings = new LiveFindingSet(undefined, () => now);
  const detector = new LeakDetector({ store, findings, options: { windowMs: 30_000, minPoints: 10, minRatePerMin: 5 }, now: () => now });
  const spec: LeakSeriesSpec = {
    key: `inspector:9229:sites:Timeout:${file}:${line}:3`,
    kind: 'handle-leak',
    subject: `inspector 9229 Timeout at ${file}:${line}:3`,
    target: 'node pid 42 (inspector 127.0.0.1:9229)',
    type: 'Timeout',
    unit: 'Timeout handles created here',
    location: { file, line },
  };
  detector.track(spec);
  for (; now < start + runForMs; now += 1000) {
    const elapsed = Math.min(now - start, leakForMs);
    store.append(spec.key, now, 1100 + elapsed / 1000);
    detector.tick(now);
  }
  return findings;
}

const context = { workspaceFile: workspaceFileIn([workspace.root]), streamSites: [] };

describe('live diagnostics of leaks', () => {
  it("puts a leak site's finding on its line (0-based) in the issue's wording", () => {
    const findings = leakAt(leakingFile, 2);
    const specs = liveDiagnosticSpecs(findings.list(), context);
    assert.equal(specs.length, 1);
    assert.equal(specs[0].file, leakingFile);
    assert.equal(specs[0].line, 1);
    assert.equal(specs[0].kind, 'handle-leak');
    assert.equal(specs[0].severity, 'warning');
    assert.match(specs[0].message, /^Live: 1,159 Timeout handles created here are still open, \+60\/min \(node pid 42 \(inspector 127\.0\.0\.1:9229\)\)$/);
  });

  it('clears with the finding once the leak stops', () => {
    const findings = leakAt(leakingFile, 2, 60_000, 120_000);
    assert.equal(findings.size, 0, 'the detector cleared it');
    assert.deepEqual(liveDiagnosticSpecs(findings.list(), context), []);
  });

  it('gives nothing for a file outside the workspace, under node_modules, or not there', () => {
    for (const file of [outside, vendored, path.join(workspace.root, 'src', 'gone.ts')]) {
      const findings = leakAt(file, 1);
      assert.equal(findings.size, 1, `the detector raised one for ${file}`);
      assert.deepEqual(liveDiagnosticSpecs(findings.list(), context), [], file);
    }
  });

  it('leaves out a finding that no longer holds (its process is gone)', () => {
    const findings = leakAt(leakingFile, 2);
    assert.deepEqual(liveDiagnosticSpecs(findings.list(), { ...context, holds: () => false }), []);
  });

  it('words goroutine and fd leaks for what they count', () => {
    const base = { severity: 'warning' as const, subject: 's', message: 'm', raisedAt: 0, updatedAt: 0 };
    assert.equal(liveDiagnosticMessage({ ...base, kind: 'goroutine-leak', evidence: { last: 2048, ratePerMin: 1216.4 } }), 'Live: 2,048 goroutines started here are still running, +1,216/min');
    assert.equal(liveDiagnosticMessage({ ...base, kind: 'stream-backlog', message: 'The backlog of group g is growing', evidence: {} }), 'Live: The backlog of group g is growing');
  });
});

describe('live diagnostics of stream backlogs', () => {
  const worker = workspace.write('src/worker.ts', 'await redis.xreadgroup("GROUP", "g", "c", "STREAMS", "orders", ">");\n');
  const range = (line: number) => ({ start: { line, character: 14 }, end: { line, character: 24 } });
  const sites = [
    { stream: 'orders', role: 'consume' as const, file: worker, range: range(0) },
    { stream: 'orders', role: 'produce' as const, file: worker, range: range(5) },
    { stream: 'refunds', role: 'consume' as const, file: worker, range: range(9) },
    { stream: 'orders', role: 'consume' as const, file: outside, range: range(0) },
  ];
  const findings = new LiveFindingSet();
  findings.raise({
    kind: 'stream-backlog',
    severity: 'warning',
    subject: 'orders:g@local',
    message: 'The backlog of group g on stream orders is growing: pending 40, up about 30 in the last 10 s (180.0/min); its consumers are not keeping up.',
    evidence: { stream: 'orders', group: 'g', target: 'local' },
  });

  it("shows at the stream's xreadgroup sites in the workspace only", () => {
    const specs = liveDiagnosticSpecs(findings.list(), { workspaceFile: workspaceFileIn([workspace.root]), streamSites: sites });
    assert.deepEqual(
      specs.map((spec) => [spec.file, spec.line, spec.range]),
      [[worker, 0, range(0)]],
    );
    assert.match(specs[0].message, /^Live: The backlog of group g on stream orders is growing/);
  });

  it('shows a dead consumer there too, not a group without consumers', () => {
    const more = new LiveFindingSet();
    more.raise({ kind: 'stream-dead-consumer', severity: 'warning', subject: 'orders:g@local', message: 'Consumer c of group g on stream orders has been idle', evidence: { stream: 'orders', group: 'g', target: 'local' } });
    more.raise({ kind: 'stream-no-consumer', severity: 'warning', subject: 'orders:h@local', message: 'No consumer', evidence: { stream: 'orders', group: 'h', target: 'local' } });
    const specs = liveDiagnosticSpecs(more.list(), { workspaceFile: workspaceFileIn([workspace.root]), streamSites: sites });
    assert.deepEqual(specs.map((spec) => [spec.kind, spec.line]), [['stream-dead-consumer', 0]]);
  });

  it('goes when the finding clears', () => {
    findings.clear('stream-backlog', 'orders:g@local');
    assert.deepEqual(liveDiagnosticSpecs(findings.list(), { workspaceFile: workspaceFileIn([workspace.root]), streamSites: sites }), []);
  });
});

describe("the Streams tab's sites", () => {
  const site = (stream: string, role: StreamSite['role'], line: number): StreamSite => ({ stream, role, uri: `file:///w/src/${role}.ts`, range: { start: { line, character: 2 }, end: { line, character: 6 } } });
  const sites = [site('orders', 'consume', 47), site('orders', 'ack', 50), site('orders', 'produce', 11), site('refunds', 'produce', 3)];
  const label = (uri: string, line: number) => `${uri.slice('file:///w/'.length)}:${line + 1}`;

  it('labels produce then consume sites (acks and reclaims are not shown) and adds them to their streams', () => {
    const shown = panelStreamSites(sites, label);
    assert.deepEqual(shown.map((s) => `${s.stream} ${s.role} ${s.label}`), ['orders produce src/produce.ts:12', 'refunds produce src/produce.ts:4', 'orders consume src/consume.ts:48']);
    const targets: PanelRedisTarget[] = [{ name: 't', url: 'redis://x', state: 'connected', notes: [], unreadable: [], streams: [{ stream: 'orders', length: 1, groups: [], groupsNotRead: 0 }, { stream: 'other', length: 1, groups: [], groupsNotRead: 0 }] }];
    const [target] = withStreamSites(targets, shown);
    assert.deepEqual(target.streams[0].sites?.map((s) => s.label), ['src/produce.ts:12', 'src/consume.ts:48']);
    assert.equal(target.streams[1].sites, undefined);
  });

  it('opens only a site the server named', () => {
    assert.equal(isKnownStreamSite(sites, { uri: 'file:///w/src/consume.ts', line: 47, character: 2 }), true);
    assert.equal(isKnownStreamSite(sites, { uri: 'file:///etc/passwd', line: 0, character: 0 }), false);
    assert.equal(isKnownStreamSite(sites, { uri: 'file:///w/src/consume.ts', line: 46, character: 2 }), false);
  });
});
