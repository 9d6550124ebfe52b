// Collects the unhandled rejections of a test file (a source that loses a promise when its target
// dies shows here) and fails the file at the end if there were any.
import assert from 'node:assert/strict';
import { after } from 'node:test';

/** Starts collecting; the returned list can also be checked mid-file. */
export function collectUnhandledRejections(): readonly unknown[] {
  const unhandled: unknown[] = [];
  const onUnhandled = (reason: unknown) => void unhandled.push(reason);
  process.on('unhandledRejection', onUnhandled);
  after(() => {
    process.off('unhandledRejection', onUnhandled);
    assert.deepEqual(unhandled, [], 'no unhandled rejections');
  });
  return unhandled;
}
