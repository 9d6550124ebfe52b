// The chart component in jsdom, where nothing can be drawn (no ResizeObserver, no canvas): it keeps
// its role="img" summary, its text table and the data it was given, draws nothing, and updates them
// in place. Nulls are gaps: never a 0 in the min, never the latest value. Formats: counts, bytes, ms.
// (Drawing is tested in Chromium: test/integration/timeSeriesChart.test.ts.)
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { JSDOM } from 'jsdom';
import { chartSummary, formatterOf, seriesFigures, TimeSeriesChart } from '../../webview/timeSeriesChart';

const start = Date.UTC(2026, 11, 3, 12, 0, 0);

describe('time-series chart without a canvas', () => {
  it('keeps the summary, the text alternative and the data, and updates them', () => {
    const { document } = new JSDOM('<!DOCTYPE html><body><div id="c"></div></body>').window;
    const container = document.getElementById('c') as HTMLElement;
    const chart = new TimeSeriesChart({ container, title: 'Lag', series: [{ label: 'workers', points: [[start, 4], [start + 1000, null]] }], layout: 'split' });
    assert.equal(chart.drawn, false);
    assert.equal(container.querySelectorAll('canvas').length, 0);
    const plot = container.querySelector('.ts-chart-plot') as HTMLElement;
    assert.equal(plot.getAttribute('role'), 'img');
    assert.equal(plot.getAttribute('aria-label'), 'Lag: workers 4, min 4 → max 4, over 1 s');
    assert.equal(container.querySelector('.ts-chart')?.getAttribute('data-layout'), 'split');
    assert.equal(container.querySelector('figcaption')?.textContent, 'Lag');
    chart.update([{ label: 'workers', points: [[start, 4], [start + 1000, 9]] }]);
    assert.equal(plot.getAttribute('aria-label'), 'Lag: workers 9, min 4 → max 9, over 1 s');
    assert.deepEqual(chart.series, [{ label: 'workers', points: [[start, 4], [start + 1000, 9]] }]);
    chart.update([]);
    assert.equal(plot.getAttribute('aria-label'), 'Lag: no data yet');
    chart.dispose();
    assert.equal(container.children.length, 0);
  });

  it('counts nulls as gaps, not zeros', () => {
    assert.deepEqual(seriesFigures({ label: 'x', points: [[0, null], [1, 5], [2, null]] }), { latest: 5, min: 5, max: 5 });
    assert.deepEqual(seriesFigures({ label: 'x', points: [[0, null]] }), { latest: undefined, min: undefined, max: undefined });
    assert.equal(chartSummary('T', [{ label: 'x', points: [[0, null]] }], String), 'T: x no value');
  });

  it('formats counts, bytes and milliseconds', () => {
    assert.equal(formatterOf('count')(1204), '1,204');
    assert.equal(formatterOf('bytes')(52_428_800), '50 MB');
    assert.equal(formatterOf('bytes')(512), '512 B');
    assert.equal(formatterOf('ms')(3.14159), '3.14 ms');
    assert.equal(formatterOf('ms')(120.4), '120 ms');
    assert.equal(formatterOf((value) => `${value}/s`)(3), '3/s');
  });
});
