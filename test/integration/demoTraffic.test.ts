// The traffic `npm run demo` sends to the panel (scripts/demoTraffic.ts), received by the extension's
// real live session (its OTLP receiver and store): the demo's four services arrive, every span that
// names a code location names an existing line of examples/demo-service/src/ that makes that kind of
// span, the declined payment is the one failing trace, and the worker's messages are there.
// followLiveEndpoint sends to the receiver the window's endpoint file names, and follows it to
// another port when the file changes (the window's receiver restarted on another port).
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { after, describe, it } from 'node:test';
import { createDemoTraffic, declinedEvery, demoServices, demoSourceLocations, followLiveEndpoint, runningEndpointIn } from '../../scripts/demoTraffic';
import { LiveSession } from '../../src/extension/liveSession';
import type { LiveSpan } from '../../src/live/spans';
import { defaultLive } from '../../src/shared/settings';
import { scratchFolder } from '../support/scratchFolder';
import { waitUntil } from '../support/waitUntil';

const repoRoot = join(__dirname, '..', '..');
const demoRoot = join(repoRoot, 'examples', 'demo-service');


describe('the demo traffic', () => {
  const session = new LiveSession({ ...defaultLive, otlp: { ...defaultLive.otlp, port: 0 } });
  after(() => session.dispose());

  it('arrives in the live session with the demo’s services, flows and code locations', async () => {
    const received: LiveSpan[] = [];
    session.store.onSpans((spans) => received.push(...spans));
    const receiver = await session.start();
    const traffic = createDemoTraffic(receiver.url, demoRoot);
    const rounds = declinedEvery;
    try {
      for (let round = 0; round < rounds; round++) await traffic.sendRound(round);
    } finally {
      await traffic.shutdown();
    }
    // Per round: 3 request traces; the worker's message on the rounds whose payment went through.
    const expectedTraces = rounds * 3 + (rounds - 1);
    await waitUntil(`${expectedTraces} traces`, () => (session.store.traces().length === expectedTraces ? true : undefined));

    assert.deepEqual([...new Set(received.map((span) => span.serviceName))].sort(), [...demoServices].sort());
    const roots = received.filter((span) => span.parentSpanId === undefined);
    const rootNames = (name: string): number => roots.filter((span) => span.name === name).length;
    assert.equal(rootNames('POST /orders'), rounds);
    assert.equal(rootNames('POST /orders/:id/pay'), rounds);
    assert.equal(rootNames('GET /orders/:id/shipping'), rounds);
    assert.equal(rootNames('orders process'), rounds - 1);
    assert.ok(
      roots.filter((span) => span.name === 'orders process').every((span) => span.serviceName === 'fulfilment-worker' && span.attributes['messaging.destination.name'] === 'orders'),
      'the worker consumes the orders stream',
    );
    // Every parent arrived (one trace id across each hop).
    const ids = new Set(received.map((span) => span.spanId));
    assert.deepEqual(received.filter((span) => span.parentSpanId !== undefined && !ids.has(span.parentSpanId)), []);

    const failing = received.filter((span) => span.status.code === 'error');
    assert.deepEqual([...new Set(failing.map((span) => span.traceId))].length, 1, 'one declined payment');
    const failingTrace = session.store.spansOf(failing[0].traceId);
    assert.equal(failingTrace.find((span) => span.parentSpanId === undefined)?.name, 'POST /orders/:id/pay');
    assert.ok(failing.some((span) => span.serviceName === 'payments-provider' && span.events.some((event) => event.name === 'exception')));

    const anchorsByLocation = new Map(Object.values(demoSourceLocations(demoRoot)).map((location) => [`${location.file}:${location.line}`, location]));
    const located = received.filter((span) => span.attributes['code.filepath'] !== undefined);
    assert.ok(located.length > received.length / 2, 'most spans name their code');
    for (const span of located) {
      const file = span.attributes['code.filepath'];
      const line = span.attributes['code.lineno'];
      assert.ok(typeof file === 'string' && typeof line === 'number', `${span.name}: code.filepath and code.lineno`);
      assert.ok(existsSync(file), `${span.name}: ${file} exists`);
      assert.ok(relative(join(demoRoot, 'src'), file).split('/')[0] !== '..', `${span.name}: ${file} is in the demo`);
      const lines = readFileSync(file, 'utf8').split('\n');
      assert.ok(line >= 1 && line <= lines.length && lines[line - 1].trim() !== '', `${span.name}: ${file}:${line} is a line of code`);
      assert.ok(anchorsByLocation.has(`${file}:${line}`), `${span.name}: ${file}:${line} is one of the demo's anchors`);
    }
    const namedLine = (name: string): string => {
      const span = located.find((candidate) => candidate.name === name);
      assert.ok(span, `a ${name} span names its code`);
      return readFileSync(String(span.attributes['code.filepath']), 'utf8').split('\n')[Number(span.attributes['code.lineno']) - 1];
    };
    assert.match(namedLine('POST /orders'), /app\.post\('\/orders', async/);
    assert.match(namedLine('payments.charge'), /tracer\.startSpan\('payments\.charge'/);
    assert.match(namedLine('XACK'), /redis\.xack\(/);
  });

  it('names the anchor whose text the demo no longer has, or has twice', () => {
    const copy = scratchFolder('demo-traffic');
    for (const file of readdirSync(join(demoRoot, 'src'))) copy.write(join('src', file), readFileSync(join(demoRoot, 'src', file), 'utf8'));
    const worker = readFileSync(join(demoRoot, 'src', 'worker.ts'), 'utf8');
    copy.write('src/worker.ts', worker.replace('async function handle(', 'async function handleEntry('));
    assert.throws(() => demoSourceLocations(copy.root), /worker\.ts: the text "async function handle\(" \(where the demo's handleEntry spans come from\) is not there/);
    copy.write('src/worker.ts', `${worker}\nasync function handle() {}\n`);
    assert.throws(() => demoSourceLocations(copy.root), /is there more than once/);
  });
});

describe('the demo traffic follows the window receiver', () => {
  const first = new LiveSession({ ...defaultLive, otlp: { ...defaultLive.otlp, port: 0 } });
  const second = new LiveSession({ ...defaultLive, otlp: { ...defaultLive.otlp, port: 0 } });
  after(() => Promise.all([first.dispose(), second.dispose()]));

  it('sends where the endpoint file says, and moves when it changes', async () => {
    const folder = scratchFolder('demo-endpoint');
    const file = join(folder.root, 'live-endpoint.json');
    assert.equal(runningEndpointIn(file), undefined, 'no file yet');
    const [a, b] = await Promise.all([first.start(), second.start()]);
    writeFileSync(file, JSON.stringify({ state: 'starting' }));
    assert.equal(runningEndpointIn(file), undefined, 'not running yet');
    writeFileSync(file, 'not json');
    assert.equal(runningEndpointIn(file), undefined, 'half a file');
    writeFileSync(file, JSON.stringify({ state: 'running', endpoint: a.url }));
    assert.equal(runningEndpointIn(file), a.url);

    let stopped = false;
    const said: string[] = [];
    const following = followLiveEndpoint({ endpointFile: file, demoRoot, stopped: () => stopped, roundIntervalMs: 50, probeIntervalMs: 20, say: (line) => said.push(line) });
    try {
      await waitUntil('traces at the first receiver', () => (first.store.traces().length > 0 ? true : undefined));
      writeFileSync(file, JSON.stringify({ state: 'running', endpoint: b.url }));
      await waitUntil('traces at the second receiver', () => (second.store.traces().length > 0 ? true : undefined));
      const atFirst = first.store.traces().length;
      const atSecond = second.store.traces().length;
      await waitUntil('more traces at the second receiver', () => (second.store.traces().length > atSecond + 3 ? true : undefined));
      assert.equal(first.store.traces().length, atFirst, 'nothing more to the first once the file moved');
      writeFileSync(file, JSON.stringify({ state: 'stopped' }));
      await waitUntil('the generator to say the receiver stopped', () => (said.some((line) => /not running \(it was at/.test(line)) ? true : undefined));
    } finally {
      stopped = true;
      await following;
    }
    assert.ok(said.some((line) => line.includes(a.url)) && said.some((line) => line.includes(b.url)), said.join('\n'));
  });
});
