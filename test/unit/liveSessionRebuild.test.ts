// Which settings changes rebuild the window's live session (sessionRebuildNeeded: not a change of
// targets or of the inspector setting), and how findings of the attached targets are mirrored into
// a session's set (mirrorFindings: raised, updated, cleared; nothing after dispose).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveFindingSet } from '../../src/live/liveFindingSet';
import { mirrorFindings } from '../../src/extension/liveAttachedTargets';
import { sessionRebuildNeeded } from '../../src/extension/liveSession';
import { defaultLive, normaliseLive, type LiveSettings } from '../../src/shared/settings';

const base: LiveSettings = normaliseLive({});

describe('sessionRebuildNeeded', () => {
  it('keeps the session for target and inspector changes', () => {
    const targetsOnly = normaliseLive({
      redis: { targets: [{ name: 'orders', url: 'redis://127.0.0.1:6379' }] },
      metrics: { targets: [{ name: 'api', url: 'http://127.0.0.1:9100/metrics' }] },
      pprof: { targets: [{ name: 'go', url: 'http://127.0.0.1:6060' }] },
      inspector: { allowNonLoopback: true },
    });
    assert.equal(sessionRebuildNeeded(base, targetsOnly), false);
    assert.equal(sessionRebuildNeeded(base, normaliseLive({})), false, 'equal settings');
  });

  it('rebuilds for the receiver, the trace store and the stream thresholds', () => {
    assert.equal(sessionRebuildNeeded(base, normaliseLive({ otlp: { port: 4319 } })), true);
    assert.equal(sessionRebuildNeeded(base, normaliseLive({ otlp: { host: '::1' } })), true);
    assert.equal(sessionRebuildNeeded(base, normaliseLive({ traces: { maxSpans: 500 } })), true);
    assert.equal(sessionRebuildNeeded(base, { ...defaultLive, redis: { ...defaultLive.redis, deadLetterDeliveries: defaultLive.redis.deadLetterDeliveries + 1 } }), true);
  });
});

describe('mirrorFindings', () => {
  const leak = { kind: 'handle-leak' as const, severity: 'warning' as const, subject: 'inspector 9229 Timeout', message: '+37 Timeout handles/min', evidence: {} };

  it('copies what is there, follows raises, updates and clears, and stops when disposed', () => {
    const from = new LiveFindingSet();
    from.raise(leak);
    const into = new LiveFindingSet();
    const mirror = mirrorFindings(from, into);
    assert.equal(into.get('handle-leak', leak.subject)?.message, leak.message);
    from.raise({ ...leak, message: '+40 Timeout handles/min' });
    assert.equal(into.get('handle-leak', leak.subject)?.message, '+40 Timeout handles/min');
    from.raise({ ...leak, subject: 'inspector 9229 TCPSocketWrap' });
    assert.equal(into.size, 2);
    from.clear('handle-leak', leak.subject);
    assert.equal(into.get('handle-leak', leak.subject), undefined);
    mirror.dispose();
    from.raise(leak);
    assert.equal(into.get('handle-leak', leak.subject), undefined, 'not mirrored after dispose');
    assert.equal(into.size, 1);
  });
});
