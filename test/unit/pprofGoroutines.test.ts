// The goroutine profile parser on real output captured from test/support/goLeaker (Go 1.19, 25
// goroutines leaked by GET /leak?n=25, one labelled goroutine), then malformed input.
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { describeStack, parseGoroutineProfile, topUserFrame } from '../../src/live/pprofGoroutines';

const captured = fs.readFileSync(path.join(__dirname, 'fixtures/live/goLeakerGoroutines.txt'), 'utf8');

describe('parseGoroutineProfile', () => {
  it('reads the total, the records, labels and frames of a real profile', () => {
    const profile = parseGoroutineProfile(captured);
    assert.deepEqual(profile.errors, []);
    assert.equal(profile.total, 29);
    assert.equal(profile.stacks.reduce((sum, stack) => sum + stack.count, 0), 29);
    const leaked = profile.stacks[0];
    assert.equal(leaked.count, 25);
    assert.deepEqual(leaked.pcs, ['0x43b496', '0x407e9b', '0x407998', '0x67c1ee', '0x46b4a1']);
    assert.deepEqual(leaked.frames, [{ pc: '0x67c1ed', func: 'main.leakedWorker', file: '/work/main/test/support/goLeaker/main.go', line: 37 }]);
    assert.deepEqual(topUserFrame(leaked), leaked.frames[0]);

    const labelled = profile.stacks.find((stack) => stack.labels !== undefined);
    assert.ok(labelled);
    assert.deepEqual(labelled.labels, { worker: 'poller' });
    assert.equal(labelled.frames[0].func, 'main.labelledWorker.func1');
    assert.equal(labelled.frames[1].func, 'runtime/pprof.Do');

    // The profile handler's own goroutine: all standard library, aligned with several tabs.
    const handler = profile.stacks.find((stack) => stack.frames[0]?.func === 'runtime/pprof.runtime_goroutineProfileWithLabels');
    assert.ok(handler);
    assert.equal(handler.frames.length, 10);
    assert.deepEqual(handler.frames[4], { pc: '0x679e04', func: 'net/http/pprof.handler.ServeHTTP', file: '/usr/lib/go-1.19/src/net/http/pprof/pprof.go', line: 253 });
    assert.equal(topUserFrame(handler), undefined);
    // The accept loop: its user frame is main.main, below the standard library's.
    const acceptLoop = profile.stacks.find((stack) => stack.frames[0]?.func === 'internal/poll.runtime_pollWait');
    assert.equal(topUserFrame(acceptLoop!)?.func, 'main.main');
    // A record with no frames at all (a goroutine Go shows only by its pc).
    assert.ok(profile.stacks.some((stack) => stack.frames.length === 0 && stack.pcs.length === 1));
    assert.equal(describeStack(leaked), 'main.leakedWorker (main.go:37)');
  });

  it('gives a stack the same id across samples whatever its count and addresses, and different stacks different ids', () => {
    const first = parseGoroutineProfile(captured);
    const later = parseGoroutineProfile(captured.replace(/^25 @ 0x43b496/m, '4724 @ 0x53b496').replace(/0x67c1ed\t/g, '0x77c1ed\t'));
    assert.equal(later.stacks[0].count, 4724);
    assert.equal(later.stacks[0].id, first.stacks[0].id);
    assert.equal(new Set(first.stacks.map((stack) => stack.id)).size, first.stacks.length);
    assert.match(first.stacks[0].id, /^[0-9a-f]{12}$/);
  });

  it('recognises user packages by their import path', () => {
    const frame = (func: string) => ({ frames: [{ pc: '0x1', func, file: '/x.go', line: 1 }] });
    assert.equal(topUserFrame(frame('github.com/acme/queue.(*Worker).run'))?.func, 'github.com/acme/queue.(*Worker).run');
    assert.equal(topUserFrame(frame('example.com/svc.poll.func1'))?.func, 'example.com/svc.poll.func1');
    assert.equal(topUserFrame(frame('net/http.(*conn).serve')), undefined);
    assert.equal(topUserFrame(frame('time.Sleep')), undefined);
  });

  it('reads the example of the notes, without labels, and reports malformed lines with their numbers', () => {
    const notes = ['goroutine profile: total 4730', '4724 @ 0x10420bec0 0x10420fe30 0x1043af918', '#\t0x10420fe2f\ttime.Sleep+0x14f\t/usr/local/go/src/runtime/time.go:363', '#\t0x1043af917\tmain.worker+0x27\t/app/worker.go:90', ''].join('\n');
    const profile = parseGoroutineProfile(notes);
    assert.deepEqual(profile.errors, []);
    assert.equal(profile.total, 4730);
    assert.deepEqual(topUserFrame(profile.stacks[0]), { pc: '0x1043af917', func: 'main.worker', file: '/app/worker.go', line: 90 });

    const malformed = parseGoroutineProfile(['goroutine profile: total 3', '#\t0x1\tmain.orphan+0x1\t/a.go:1', '2 @ 0x1 0x2', '# labels: {not json}', '#\t0x1 main.spaces /a.go:3', 'garbage here', '#\t0x2\tmain.ok+0x2\t/a.go:4', '', '1 @ 0x9'].join('\r\n'));
    assert.deepEqual(
      malformed.errors.map((error) => error.line),
      [2, 4, 5, 6],
    );
    assert.match(malformed.errors[0].message, /outside a record/);
    assert.match(malformed.errors[2].message, /not "#\\tpc\\tfunc\+offset\\tfile:line"/);
    assert.deepEqual(
      malformed.stacks.map((stack) => [stack.count, stack.frames.map((frame) => frame.func)]),
      [
        [2, ['main.ok']],
        [1, []],
      ],
    );
    assert.equal(malformed.total, 3);
  });

  it('says when the text is not a goroutine profile at all', () => {
    const html = parseGoroutineProfile('<html><body>404 page not found</body></html>');
    assert.match(html.errors[0].message, /not a goroutine profile/);
    assert.deepEqual(parseGoroutineProfile(''), { total: 0, stacks: [], errors: [] });
  });
});
