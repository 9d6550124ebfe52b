// The live parts of `npm run demo` (scripts/demoWorkload.ts) as real processes, headless:
//   - the stock-watch service (examples/demo-service/src/stockWatch.ts, run with tsx and an
//     inspector on a free port) under a stream of requests: with the leak off its Timeout count stays
//     at one per SKU; `POST /leak/on` makes the count an attached inspector samples rise, the leak
//     detector raises handle-leak, and the leak site is the line uncleared-interval reports
//     (source-mapped to the .ts);
//   - the fulfilment worker (examples/demo-service/src/worker.ts as it is) against a real
//     redis-server with a producer of orders: it keeps up (lag 0), paused it falls behind (lag rises,
//     stream-backlog on orders:fulfilment), resumed it catches up.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import {
  demoGroup,
  demoStream,
  ensureOrdersGroup,
  post,
  startFulfilmentWorker,
  startLabelService,
  startOrderProducer,
  startStockWatch,
  startStockWatchTraffic,
} from '../../scripts/demoWorkload';
import { createInspectorSource } from '../../src/live/inspectorSource';
import { LeakDetector } from '../../src/live/leakDetector';
import { LiveFindingSet } from '../../src/live/liveFindingSet';
import { createStreamSource } from '../../src/live/streamSource';
import { TimeSeriesStore } from '../../src/live/timeSeries';
import { startRedisServer } from '../support/redisServer';
import { collectUnhandledRejections } from '../support/unhandledRejections';
import { waitUntil } from '../support/waitUntil';

const stockWatchFile = join(__dirname, '..', '..', 'examples', 'demo-service', 'src', 'stockWatch.ts');

collectUnhandledRejections();

const cleanUps: Array<() => Promise<void> | void> = [];
after(async () => {
  for (const cleanUp of cleanUps.reverse()) await cleanUp();
});

describe('the demo workload', () => {
  it("the stock-watch leak switch makes the attached process's Timeout count rise, at the line uncleared-interval reports", async () => {
    const leakLine = readFileSync(stockWatchFile, 'utf8').split('\n').findIndex((line) => line.trim() === 'setInterval(() => checkStock(sku), checkEveryMs);') + 1;
    assert.ok(leakLine > 0, 'the leaking line is in stockWatch.ts');
    const service = await startStockWatch();
    cleanUps.push(() => service.stop());
    const traffic = startStockWatchTraffic(service.url, { everyMs: 10, skus: 20 });
    cleanUps.push(() => traffic.stop());

    const store = new TimeSeriesStore({ maxKeys: 1000, maxPointsPerKey: 2000, maxAgeMs: 60_000 });
    const findings = new LiveFindingSet();
    const detector = new LeakDetector({ store, findings, options: { windowMs: 2000, minSpanMs: 1000, minPoints: 8, subWindows: 4, minRatePerMin: 60 } });
    const source = createInspectorSource({ port: service.inspectorPort, store, detector, sampleIntervalMs: 100, leakSites: { sampleRate: 1 }, reattach: false });
    await source.start();
    cleanUps.push(() => source.stop());
    const timeouts = () => source.figures().handles.Timeout ?? 0;

    // Leak off: one watch per SKU, so about 20 Timeouts however many requests come.
    const sentAtStart = traffic.sent();
    await waitUntil('2 s of samples with the leak off', () => (source.figures().samples >= 20 && traffic.sent() > sentAtStart + 50) || undefined, 10_000);
    assert.ok(timeouts() <= 25, `flat with the leak off: ${timeouts()} Timeouts`);
    assert.equal(findings.size, 0, findings.list().map((finding) => finding.message).join('\n'));

    assert.equal((await post(`${service.url}/leak/on`)).status, 200);
    const leak = await waitUntil('handle-leak with the leak on', () => findings.list().find((finding) => finding.kind === 'handle-leak' && finding.subject.endsWith(' Timeout')), 15_000);
    assert.match(leak.message, /\+[\d,]+ Timeout handles\/min/);
    assert.ok(timeouts() > 60, `rising with the leak on: ${timeouts()} Timeouts`);
    const site = await waitUntil('the leak site at the leaking line', () => source.figures().leakSites?.top.find((entry) => entry.type === 'Timeout' && entry.site.startsWith(`${stockWatchFile}:${leakLine}:`)), 10_000);
    assert.ok(site.live > 20, `the leaking line holds the leaked timers: ${JSON.stringify(site)}`);
  });

  it('the fulfilment worker keeps up, falls behind while paused, and catches up when resumed', async () => {
    const redis = await startRedisServer();
    await ensureOrdersGroup(redis.url);
    const labels = await startLabelService(5);
    cleanUps.push(() => labels.close());
    const worker = await startFulfilmentWorker(redis.url, labels.url);
    cleanUps.push(() => worker.stop());
    const producer = startOrderProducer(redis.url, 20);
    cleanUps.push(() => producer.stop());

    const findings = new LiveFindingSet();
    const streams = createStreamSource({
      targets: [{ name: 'demo', url: redis.url, streams: [demoStream], keyPatterns: [], pollIntervalMs: 200 }],
      findings,
      detectors: { windowMs: 3000, backlogMinPoints: 5, backlogMinIncrease: 20 },
    });
    await streams.start();
    cleanUps.push(() => streams.stop());
    const group = () => streams.pollers[0].snapshots().find((snapshot) => snapshot.stream === demoStream)?.groups.find((entry) => entry.name === demoGroup);

    await waitUntil('the worker to label orders', () => (labels.labels() >= 20 ? true : undefined), 10_000);
    const keepingUp = await waitUntil('a poll with the group read', () => group(), 5_000);
    assert.ok(keepingUp.lag !== null && keepingUp.lag < 10, `keeping up: lag ${keepingUp.lag}`);

    worker.pause();
    const behind = await waitUntil('the lag to grow while paused', () => {
      const now = group();
      return now?.lag !== null && now !== undefined && now.lag >= 50 ? now : undefined;
    }, 15_000);
    assert.ok(behind.lag! >= 50);
    const backlog = await waitUntil('stream-backlog on orders:fulfilment', () => findings.get('stream-backlog', `${demoStream}:${demoGroup}@demo`), 15_000);
    assert.match(backlog.message, /orders/);

    const labelledBefore = labels.labels();
    worker.resume();
    await waitUntil('the worker to catch up', () => {
      const now = group();
      return now?.lag !== null && now !== undefined && now.lag < 10 && labels.labels() > labelledBefore + 50 ? true : undefined;
    }, 15_000);
  });
});
