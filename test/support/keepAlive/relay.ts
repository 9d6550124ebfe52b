// A TCP relay that stands for the network between a load balancer and the service: every byte,
// end-of-stream and reset it passes on is delayed by --delay ms in each direction (loopback alone
// makes the race between a reused idle connection and the server's close microseconds wide).
// Half-closes are passed on as half-closes and resets as resets, so each side sees what it would
// see over a real link, only later.
//   relay.ts --target <port> [--listeners 1] [--delay 10] [--lifetime ms]
// Listens on --listeners ports (one per upstream of the proxy, so each event can be told apart) and
// prints {"ports":[...]} once listening, then one JSON line per event, with the relay's clock in ms:
// open, request (bytes from the proxy), response (bytes from the service), serviceEnd /
// serviceReset (the service closed or reset its side), proxyEnd / proxyReset.
import * as net from 'node:net';

function option(name: string, fallback: number): number {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

const target = option('--target', 0);
const listeners = option('--listeners', 1);
const delayMs = option('--delay', 10);
const lifetimeMs = option('--lifetime', 180_000);

type RelayEvent = 'open' | 'request' | 'response' | 'serviceEnd' | 'serviceReset' | 'proxyEnd' | 'proxyReset';

function report(listener: number, connection: number, event: RelayEvent): void {
  process.stdout.write(`${JSON.stringify({ listener, connection, event, at: performance.now() })}\n`);
}

/** Passes `from`'s bytes, end and reset on to `to`, each `delayMs` later, in order. */
function pipeDelayed(from: net.Socket, to: net.Socket, onData: () => void, onEnd: () => void, onReset: () => void): void {
  from.on('data', (chunk: Buffer) => {
    onData();
    setTimeout(() => {
      if (!to.destroyed) to.write(chunk);
    }, delayMs);
  });
  from.on('end', () => {
    onEnd();
    setTimeout(() => {
      if (!to.destroyed) to.end();
    }, delayMs);
  });
  from.on('error', () => {
    onReset();
    setTimeout(() => {
      if (!to.destroyed) to.resetAndDestroy();
    }, delayMs);
  });
}

let connections = 0;
function listen(listener: number): Promise<number> {
  const relay = net.createServer({ allowHalfOpen: true, noDelay: true }, (proxySide) => {
    const connection = ++connections;
    const on = (event: RelayEvent) => () => report(listener, connection, event);
    on('open')();
    const serviceSide = net.connect({ port: target, host: '127.0.0.1', allowHalfOpen: true, noDelay: true });
    pipeDelayed(proxySide, serviceSide, on('request'), on('proxyEnd'), on('proxyReset'));
    pipeDelayed(serviceSide, proxySide, on('response'), on('serviceEnd'), on('serviceReset'));
  });
  return new Promise((resolve, reject) => {
    relay.once('error', reject);
    relay.listen(0, '127.0.0.1', () => {
      const address = relay.address();
      if (address === null || typeof address === 'string') reject(new Error('no TCP address'));
      else resolve(address.port);
    });
  });
}

void Promise.all(Array.from({ length: listeners }, (_, i) => listen(i))).then((ports) => {
  process.stdout.write(`${JSON.stringify({ ports })}\n`);
});
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));
setTimeout(() => process.exit(0), lifetimeMs).unref();
