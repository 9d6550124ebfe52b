// The status bar's and the notifications' decisions over a real LiveFindingSet with an injected
// clock: which finding changes notify at each bounded.live.notifications level, muted kinds, one
// notification per kind+subject per 10 min (clear and re-raise stays quiet), at most N a minute,
// plain-text messages; the live status item's text, colour and tooltip, hidden without activity.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { LiveFindingKind } from '../../src/live/liveFinding';
import { LiveFindingSet, type RaisedLiveFinding } from '../../src/live/liveFindingSet';
import { LiveFindingAlerts, liveStatusModel, notificationText, tooltipFindings } from '../../src/extension/liveFindingAlerts';
import { sessionRebuildNeeded } from '../../src/extension/liveSession';
import { normaliseLive, type LiveNotificationLevel } from '../../src/shared/settings';

function finding(kind: LiveFindingKind, severity: RaisedLiveFinding['severity'], subject: string, message = `about ${subject}`): RaisedLiveFinding {
  return { kind, severity, subject, message, evidence: {} };
}

function harness(options: { level?: LiveNotificationLevel; perMinute?: number; muted?: LiveFindingKind[] } = {}) {
  let clock = 1_000_000;
  let level = options.level ?? 'errors';
  const muted = new Set(options.muted ?? []);
  const set = new LiveFindingSet({ maxFindings: 100 }, () => clock);
  const alerts = new LiveFindingAlerts({ now: () => clock, level: () => level, mutedKinds: () => muted, perMinute: options.perMinute ?? 3 });
  const notified: string[] = [];
  const skipped: string[] = [];
  set.onChange((change) => {
    const decision = alerts.consider(change);
    if (decision.notify) notified.push(decision.message);
    else if (change.type === 'raised') skipped.push(`${change.finding.subject}: ${decision.reason}`);
  });
  return {
    set,
    notified,
    skipped,
    muted,
    advance(ms: number) {
      clock += ms;
    },
    setLevel(next: LiveNotificationLevel) {
      level = next;
    },
  };
}

describe('LiveFindingAlerts', () => {
  it('notifies a new error by default, not a warning; warningsAndErrors takes both; off none', () => {
    const h = harness();
    h.set.raise(finding('error-rate', 'error', 'checkout: POST /pay', '40% of spans failed'));
    h.set.raise(finding('handle-leak', 'warning', 'inspector 9229 Timeout'));
    assert.deepEqual(h.notified, ['Bounded: error-rate — checkout: POST /pay: 40% of spans failed']);
    assert.deepEqual(h.skipped, ['inspector 9229 Timeout: severity']);
    h.setLevel('warningsAndErrors');
    h.set.raise(finding('stream-backlog', 'warning', 'jobs:orders:workers'));
    h.set.raise(finding('broken-propagation', 'info', 'a → b'));
    assert.equal(h.notified.length, 2);
    assert.match(h.notified[1], /^Bounded: stream-backlog — jobs:orders:workers: /);
    assert.deepEqual(h.skipped.slice(1), ['a → b: severity']);
    h.setLevel('off');
    h.set.raise(finding('fd-leak', 'error', 'api'));
    assert.deepEqual(h.skipped.slice(2), ['api: off']);
    assert.equal(h.notified.length, 2);
  });

  it('updates do not notify again, but a warning that becomes an error does', () => {
    const h = harness();
    h.set.raise(finding('handle-leak', 'warning', 'leak'));
    h.set.raise(finding('handle-leak', 'warning', 'leak', 'still growing'));
    assert.deepEqual(h.notified, []);
    h.set.raise(finding('handle-leak', 'error', 'leak', 'now an error'));
    assert.deepEqual(h.notified, ['Bounded: handle-leak — leak: now an error']);
    h.set.raise(finding('handle-leak', 'error', 'leak', 'still an error'));
    assert.equal(h.notified.length, 1);
  });

  it('one notification per kind and subject in 10 minutes: a finding that clears and comes back soon stays quiet', () => {
    const h = harness();
    h.set.raise(finding('error-rate', 'error', 'svc: GET /'));
    h.set.clear('error-rate', 'svc: GET /');
    h.advance(60_000);
    h.set.raise(finding('error-rate', 'error', 'svc: GET /'));
    assert.equal(h.notified.length, 1);
    assert.deepEqual(h.skipped, ['svc: GET /: recently notified']);
    // Another subject of the same kind is news.
    h.set.raise(finding('error-rate', 'error', 'svc: POST /'));
    assert.equal(h.notified.length, 2);
    h.set.clear('error-rate', 'svc: GET /');
    h.advance(9 * 60_000);
    h.set.raise(finding('error-rate', 'error', 'svc: GET /'));
    assert.equal(h.notified.length, 3, 'ten minutes after the first notification it notifies again');
  });

  it('at most N notifications a minute across findings', () => {
    const h = harness({ perMinute: 2 });
    for (const subject of ['a', 'b', 'c', 'd']) h.set.raise(finding('fd-leak', 'error', subject));
    assert.equal(h.notified.length, 2);
    assert.deepEqual(h.skipped, ['c: rate limited', 'd: rate limited']);
    h.advance(59_999);
    h.set.raise(finding('fd-leak', 'error', 'e'));
    assert.deepEqual(h.skipped.slice(2), ['e: rate limited']);
    h.advance(1);
    h.set.raise(finding('fd-leak', 'error', 'f'));
    assert.equal(h.notified.length, 3, 'a minute after the first, room again');
  });

  it('muted kinds stay quiet, others do not', () => {
    const h = harness({ muted: ['goroutine-leak'] });
    h.set.raise(finding('goroutine-leak', 'error', 'go: worker'));
    h.set.raise(finding('fd-leak', 'error', 'go'));
    assert.deepEqual(h.skipped, ['go: worker: muted']);
    assert.equal(h.notified.length, 1);
  });

  it('rejects nonsense limits', () => {
    assert.throws(() => new LiveFindingAlerts({ level: () => 'errors', mutedKinds: () => new Set(), perMinute: 0 }), /perMinute a positive integer/);
  });

  it('a notification is plain text: one line, cut to a length, no link from a service string', () => {
    const text = notificationText({ ...finding('error-rate', 'error', 'evil\n[click](command:workbench.action.quit)', 'x'.repeat(1000)), raisedAt: 0, updatedAt: 0 });
    assert.ok(!text.includes('\n'));
    assert.ok(!/\]\s*\(/.test(text), text.slice(0, 80));
    assert.ok(text.includes('[click]\u200b(command:workbench.action.quit)'));
    assert.equal(text.length, 400);
    assert.ok(text.endsWith('…'));
  });
});

describe('liveStatusModel', () => {
  it('is hidden without findings or sources, and says so with sources only', () => {
    assert.equal(liveStatusModel([], []), undefined);
    const idle = liveStatusModel([], ['OTLP receiver at http://127.0.0.1:4318'])!;
    assert.equal(idle.text, '$(pulse) 0 live');
    assert.equal(idle.severity, undefined);
    assert.match(idle.tooltip, /^No live findings\nLive sources: OTLP receiver at http:\/\/127\.0\.0\.1:4318\nClick to show the Live findings tab$/);
  });

  it('shows the most severe icon, counts by severity and lists the top findings, most severe and newest first', () => {
    const h = harness();
    h.set.raise(finding('handle-leak', 'warning', 'inspector 9229 Timeout', '+37 Timeout handles/min'));
    h.advance(1000);
    h.set.raise(finding('error-rate', 'error', 'checkout: POST /pay', '40% failed'));
    h.advance(1000);
    h.set.raise(finding('stream-backlog', 'warning', 'jobs:orders:workers', 'lag\ngrowing'));
    const model = liveStatusModel(h.set.list(), ['1 Node process'])!;
    assert.equal(model.text, '$(error) 3 live');
    assert.equal(model.severity, 'error');
    assert.deepEqual(model.tooltip.split('\n'), [
      '3 live findings (1 error, 2 warnings)',
      'error · error-rate · checkout: POST /pay: 40% failed',
      'warning · stream-backlog · jobs:orders:workers: lag growing',
      'warning · handle-leak · inspector 9229 Timeout: +37 Timeout handles/min',
      'Live sources: 1 Node process',
      'Click to show the Live findings tab',
    ]);
    assert.equal(model.ariaLabel, 'Bounded: 3 live findings (1 error, 2 warnings)');
    h.set.clear('error-rate', 'checkout: POST /pay');
    assert.equal(liveStatusModel(h.set.list(), [])!.text, '$(warning) 2 live');
  });

  it(`lists at most ${tooltipFindings} findings and counts the rest`, () => {
    const h = harness();
    for (let i = 0; i < tooltipFindings + 3; i++) h.set.raise(finding('fd-leak', 'info', `svc-${i}`));
    const lines = liveStatusModel(h.set.list(), [])!.tooltip.split('\n');
    assert.equal(lines.filter((line) => line.startsWith('info · fd-leak')).length, tooltipFindings);
    assert.ok(lines.includes('… and 3 more'));
    assert.equal(lines[0], `${tooltipFindings + 3} live findings (${tooltipFindings + 3} info)`);
  });
});

describe('bounded.live.notifications', () => {
  it('is read from the section and does not rebuild the live session', () => {
    assert.equal(normaliseLive({}).notifications, 'errors');
    assert.equal(normaliseLive({ notifications: 'off' }).notifications, 'off');
    assert.equal(sessionRebuildNeeded(normaliseLive({}), normaliseLive({ notifications: 'warningsAndErrors' })), false);
  });
});
