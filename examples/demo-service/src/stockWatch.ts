// Back-in-stock watches: a small HTTP service beside the orders API. A shop page asks to be told
// when a SKU is back (`POST /stock-watches?sku=...`) and each watch checks the stock every 30 s.
// Plain node:http with no dependencies, so it runs as it is (`npm run demo` starts it with
// `node --inspect=127.0.0.1:0 --import tsx src/stockWatch.ts`).
//
// The leak is switchable for the demo: `POST /leak/on` makes each request start a new interval and
// drop its handle (watchLeaking: nothing can ever clear it, and the timers pile up with traffic);
// `POST /leak/off` goes back to one watch per SKU, the previous one cleared (watchBounded).
// STOCK_WATCH_LEAK=on starts with it on; PORT picks the port (default: a free one).
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';

const checkEveryMs = 30_000;

let leaking = process.env.STOCK_WATCH_LEAK === 'on';
const stock = new Map<string, number>();
const watches = new Map<string, ReturnType<typeof setInterval>>();
let backInStock = 0;

function checkStock(sku: string): void {
  if ((stock.get(sku) ?? 0) > 0) backInStock++;
}

/** The bug: a new interval on every request, its handle dropped. */
function watchLeaking(sku: string): void {
  setInterval(() => checkStock(sku), checkEveryMs);
}

/** The fix: one watch per SKU; a new request replaces (and clears) the previous one. */
function watchBounded(sku: string): void {
  clearInterval(watches.get(sku));
  watches.set(sku, setInterval(() => checkStock(sku), checkEveryMs));
}

function answer(response: http.ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { 'content-type': 'application/json' }).end(`${JSON.stringify(body)}\n`);
}

const server = http.createServer((request, response) => {
  const url = new URL(request.url ?? '/', 'http://stock-watch');
  if (request.method === 'POST' && url.pathname === '/stock-watches') {
    const sku = url.searchParams.get('sku');
    if (sku === null || sku === '') {
      answer(response, 400, { error: 'sku is required' });
      return;
    }
    if (leaking) watchLeaking(sku);
    else watchBounded(sku);
    answer(response, 202, { sku, watching: true });
  } else if (request.method === 'POST' && (url.pathname === '/leak/on' || url.pathname === '/leak/off')) {
    leaking = url.pathname === '/leak/on';
    answer(response, 200, { leaking });
  } else if (request.method === 'GET' && url.pathname === '/health') {
    const timers = process.getActiveResourcesInfo().filter((type) => type === 'Timeout').length;
    answer(response, 200, { leaking, watchedSkus: watches.size, timers, backInStock });
  } else {
    answer(response, 404, { error: `no route ${request.method} ${url.pathname}` });
  }
});
// Longer than the 60 s idle timeout of the load balancer in front of it.
server.keepAliveTimeout = 65_000;
server.headersTimeout = 66_000;

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const { port } = server.address() as AddressInfo;
  console.log(`stock-watch listening on http://127.0.0.1:${port} (leak ${leaking ? 'on' : 'off'})`);
});
process.once('SIGTERM', () => server.close());
