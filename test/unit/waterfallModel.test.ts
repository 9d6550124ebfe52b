// The waterfall's model: tree order and depth, the critical path (the chain that determines the
// root's end), and the row window a viewport shows.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { buildWaterfall, criticalPath, visibleRows } from '../../webview/waterfallModel';
import { panelSpan } from '../support/panelSpans';


describe('waterfall model', () => {
  it('orders spans depth-first under their parents, siblings by start, orphans at the top level', () => {
    const spans = [panelSpan('c2', 'a1', 30, 5), panelSpan('a1', undefined, 0, 100), panelSpan('b1', 'a1', 10, 10), panelSpan('d1', 'b1', 12, 2), panelSpan('e1', 'ffff', 50, 1)];
    const { rows, totalMs } = buildWaterfall(spans);
    assert.deepEqual(rows.map((row) => [row.span.spanId, row.depth, row.orphan]), [['a1', 0, false], ['b1', 1, false], ['d1', 2, false], ['c2', 1, false], ['e1', 0, true]]);
    assert.equal(totalMs, 100);
  });

  it('critical path: from the root, the child that ends last among those ending within their parent', () => {
    // root 0-100; a 0-40; b 30-90 (ends last within root); late 50-150 outlives root (not on the path);
    // under b: b1 35-60, b2 60-88 (ends last); under b2: nothing.
    const spans = [
      panelSpan('0a', undefined, 0, 100),
      panelSpan('0b', '0a', 0, 40),
      panelSpan('0c', '0a', 30, 60),
      panelSpan('0d', '0a', 50, 100),
      panelSpan('0e', '0c', 35, 25),
      panelSpan('0f', '0c', 60, 28),
    ];
    assert.deepEqual(criticalPath(spans).map((span) => span.spanId), ['0a', '0c', '0f']);
    assert.deepEqual([...buildWaterfall(spans).criticalPath].sort(), ['0a', '0c', '0f']);
  });

  it('a 10,000-deep chain does not overflow the stack', () => {
    const spans = Array.from({ length: 10_000 }, (_, i) => panelSpan(i.toString(16).padStart(4, '0'), i === 0 ? undefined : (i - 1).toString(16).padStart(4, '0'), i, 10_000 - i));
    const waterfall = buildWaterfall(spans);
    assert.equal(waterfall.rows.length, 10_000);
    assert.equal(waterfall.rows[9_999].depth, 9_999);
    assert.equal(waterfall.criticalPath.size, 10_000);
  });

  it('a parent cycle still lists every span once', () => {
    const { rows } = buildWaterfall([panelSpan('aa', 'bb', 0, 1), panelSpan('bb', 'aa', 1, 1)]);
    assert.deepEqual(rows.map((row) => row.span.spanId).sort(), ['aa', 'bb']);
  });

  it('the row window covers the viewport plus the overscan, clamped to the rows', () => {
    assert.deepEqual(visibleRows(10_000, 20, 0, 400, 5), { first: 0, end: 25 });
    assert.deepEqual(visibleRows(10_000, 20, 100_000, 400, 5), { first: 4995, end: 5025 });
    assert.deepEqual(visibleRows(30, 20, 10_000, 400, 5), { first: 30, end: 30 });
    assert.deepEqual(visibleRows(0, 20, 0, 400), { first: 0, end: 0 });
  });
});
