import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LiveFindingSet, type LiveFindingChange, type RaisedLiveFinding } from '../../src/live/liveFindingSet';

function raised(subject: string, message = `about ${subject}`): RaisedLiveFinding {
  return { kind: 'broken-propagation', severity: 'warning', subject, message, evidence: { subject } };
}

function recording(set: LiveFindingSet): string[] {
  const changes: string[] = [];
  set.onChange((change: LiveFindingChange) => changes.push(`${change.type} ${change.finding.subject}${change.type === 'cleared' ? ` (${change.reason})` : ''}`));
  return changes;
}

describe('LiveFindingSet', () => {
  it('raises once per kind and subject: raising again updates and keeps raisedAt', () => {
    let clock = 1000;
    const set = new LiveFindingSet({ maxFindings: 10 }, () => clock);
    const changes = recording(set);
    set.raise(raised('checkout → payments', 'first'));
    clock = 2000;
    const updated = set.raise(raised('checkout → payments', 'second'));
    assert.equal(set.size, 1);
    assert.equal(updated.raisedAt, 1000);
    assert.equal(updated.updatedAt, 2000);
    assert.equal(set.get('broken-propagation', 'checkout → payments')?.message, 'second');
    // Same subject, other kind: a separate finding.
    set.raise({ ...raised('checkout → payments'), kind: 'slow-operation' });
    assert.equal(set.size, 2);
    assert.deepEqual(changes, ['raised checkout → payments', 'updated checkout → payments', 'raised checkout → payments']);
  });

  it('clears by kind and subject, and says whether there was one', () => {
    const set = new LiveFindingSet();
    const changes = recording(set);
    set.raise(raised('a → b'));
    assert.equal(set.clear('slow-operation', 'a → b'), false);
    assert.equal(set.clear('broken-propagation', 'a → b'), true);
    assert.equal(set.clear('broken-propagation', 'a → b'), false);
    assert.equal(set.size, 0);
    assert.deepEqual(changes, ['raised a → b', 'cleared a → b (cleared)']);
    assert.deepEqual(set.stats(), { current: 0, raised: 1, cleared: 1, evicted: 0 });
  });

  it('lists newest first; an update does not move a finding', () => {
    let clock = 0;
    const set = new LiveFindingSet({ maxFindings: 10 }, () => ++clock);
    set.raise(raised('one'));
    set.raise(raised('two'));
    set.raise(raised('three'));
    set.raise(raised('one', 'again'));
    assert.deepEqual(
      set.list().map((finding) => finding.subject),
      ['three', 'two', 'one'],
    );
  });

  it('is bounded: past maxFindings the oldest raised is cleared and counted', () => {
    const set = new LiveFindingSet({ maxFindings: 2 });
    const changes = recording(set);
    set.raise(raised('one'));
    set.raise(raised('two'));
    set.raise(raised('one', 'updated, still the oldest'));
    set.raise(raised('three'));
    assert.deepEqual(
      set.list().map((finding) => finding.subject),
      ['three', 'two'],
    );
    assert.deepEqual(changes.slice(-2), ['cleared one (evicted)', 'raised three']);
    assert.deepEqual(set.stats(), { current: 2, raised: 3, cleared: 0, evicted: 1 });
  });

  it('stops telling a listener once disposed', () => {
    const set = new LiveFindingSet();
    let told = 0;
    const subscription = set.onChange(() => told++);
    set.raise(raised('a'));
    subscription.dispose();
    set.raise(raised('b'));
    assert.equal(told, 1);
  });

  it('refuses a cap that is not a positive integer', () => {
    assert.throws(() => new LiveFindingSet({ maxFindings: 0 }), RangeError);
  });
});
