// Reveal source: the location a span names (code.* attributes, old and new names, then stack
// frames), and only files inside a workspace folder.
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { resolveSpanSource, spanSourceHints, stackFrames } from '../../src/extension/spanSource';
import { liveSpan } from '../support/liveSpans';

const workspace = path.resolve('/work/service');
const traceId = 'a'.repeat(32);

describe('span source', () => {
  it('reads code.filepath/code.lineno and code.file.path/code.line.number', () => {
    const old = liveSpan(traceId, '1'.repeat(16), { attributes: { 'code.filepath': path.join(workspace, 'src/a.ts'), 'code.lineno': 12 } });
    assert.deepEqual(resolveSpanSource(old, [workspace]), { found: true, file: path.join(workspace, 'src/a.ts'), line: 12, from: 'code attributes' });
    const current = liveSpan(traceId, '2'.repeat(16), { attributes: { 'code.file.path': 'src/b.ts', 'code.line.number': '7' } });
    assert.deepEqual(resolveSpanSource(current, [workspace]), { found: true, file: path.join(workspace, 'src/b.ts'), line: 7, from: 'code attributes' });
    const noLine = liveSpan(traceId, '3'.repeat(16), { attributes: { 'code.filepath': pathToFileURL(path.join(workspace, 'c.ts')).href } });
    assert.deepEqual(resolveSpanSource(noLine, [workspace]), { found: true, file: path.join(workspace, 'c.ts'), line: 1, from: 'code attributes' });
  });

  it('falls back to the first workspace frame of an exception stack trace', () => {
    const stack = [
      'Error: query timed out',
      '    at Socket.onTimeout (node:internal/net:12:3)',
      `    at Pool.query (${path.join(workspace, 'node_modules/pg/lib/pool.js')}:40:11)`,
      `    at /opt/elsewhere/lib.js:2:2`,
      `    at loadOrder (${path.join(workspace, 'src/orders.ts')}:88:15)`,
      `    at async ${pathToFileURL(path.join(workspace, 'src/server.ts')).href}:9:3`,
    ].join('\n');
    assert.equal(stackFrames(stack).length, 4);
    const span = liveSpan(traceId, '4'.repeat(16), { events: [{ name: 'exception', timeUnixNano: 0n, attributes: { 'exception.stacktrace': stack } }] });
    assert.deepEqual(resolveSpanSource(span, [workspace]), { found: true, file: path.join(workspace, 'src/orders.ts'), line: 88, from: 'stack trace' });
  });

  it('refuses files outside the workspace, with the reason', () => {
    for (const file of ['/etc/passwd', '../outside.ts', path.join(workspace, '..', 'service-other', 'a.ts')]) {
      const resolution = resolveSpanSource(liveSpan(traceId, '5'.repeat(16), { name: '<b>x</b>', attributes: { 'code.filepath': file, 'code.lineno': 1 } }), [workspace]);
      assert.equal(resolution.found, false, file);
      if (!resolution.found) assert.match(resolution.reason, /not inside the workspace/);
    }
    const none = resolveSpanSource(liveSpan(traceId, '6'.repeat(16)), [workspace]);
    assert.equal(none.found, false);
    if (!none.found) assert.match(none.reason, /names no source/);
    assert.deepEqual(spanSourceHints(liveSpan(traceId, '7'.repeat(16), { attributes: { 'code.filepath': '  ', 'code.lineno': 3 } })), []);
  });
});
