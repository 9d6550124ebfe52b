// A real Node service with prom-client's default metrics on /metrics, for `bounded watch --metrics`:
//   node --import tsx test/support/handleLeaker.ts leak     a setInterval per tick, never cleared
//   node --import tsx test/support/handleLeaker.ts steady   timers that come and go (a sawtooth)
// Ticks every TICK_MS (default 100). Listens on 127.0.0.1 (PORT, or a free port) and prints
// "listening on http://127.0.0.1:PORT".
import * as http from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

const mode = process.argv[2];
if (mode !== 'leak' && mode !== 'steady') {
  process.stderr.write('usage: handleLeaker.ts leak|steady\n');
  process.exit(2);
}
const tickMs = Number(process.env.TICK_MS ?? 100);
const register = new Registry();
collectDefaultMetrics({ register });

const open: NodeJS.Timeout[] = [];
setInterval(() => {
  if (mode === 'leak') {
    // The leak: one interval per tick, never cleared.
    setInterval(() => {}, 60_000);
    return;
  }
  // Steady: up to five open at a time, then all cleared.
  if (open.length >= 5) for (const timer of open.splice(0)) clearInterval(timer);
  else open.push(setInterval(() => {}, 60_000));
}, tickMs);

const server = http.createServer((request, response) => {
  if (request.url !== '/metrics') {
    response.writeHead(404).end('not found\n');
    return;
  }
  register.metrics().then(
    (text) => response.writeHead(200, { 'content-type': register.contentType }).end(text),
    (error: Error) => response.writeHead(500).end(error.message),
  );
});
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  if (address && typeof address === 'object') process.stdout.write(`listening on http://127.0.0.1:${address.port}\n`);
});
