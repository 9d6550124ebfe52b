// A service of the propagation test, instrumented with the real OpenTelemetry SDK and its HTTP
// instrumentation (see propagationTracing.ts), run as a child process:
//   node --import tsx propagationService.ts payments
//     serves POST /pay on 127.0.0.1 (a port the system chose, printed as `listening <port>`)
//     until SIGTERM, then flushes its spans and exits.
//   node --import tsx propagationService.ts checkout <payments url> <calls>
//     makes <calls> calls to POST <payments url>/pay, each in a root span `checkout order`,
//     flushes its spans, prints `done` and exits.
import { tracerProvider } from './propagationTracing';
import * as http from 'node:http';
import { trace } from '@opentelemetry/api';

function post(url: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = http.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, timeout: 5_000 }, (response) => {
      response.resume();
      response.on('end', () => (response.statusCode === 200 ? resolve() : reject(new Error(`POST ${url}: ${response.statusCode}`))));
    });
    request.on('timeout', () => request.destroy(new Error(`POST ${url} timed out`)));
    request.on('error', reject);
    request.end(JSON.stringify({ amount: 42 }));
  });
}

async function checkout(paymentsUrl: string, calls: number): Promise<void> {
  const tracer = trace.getTracer('checkout');
  for (let i = 0; i < calls; i++) {
    await tracer.startActiveSpan('checkout order', async (span) => {
      try {
        await post(`${paymentsUrl}/pay`);
      } finally {
        span.end();
      }
    });
  }
  await tracerProvider.shutdown();
  process.stdout.write('done\n');
}

function payments(): void {
  const server = http.createServer((request, response) => {
    request.resume();
    request.on('end', () => setTimeout(() => response.end('paid'), 5));
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : '?'}\n`);
  });
  process.once('SIGTERM', () => {
    server.close();
    tracerProvider.shutdown().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}

const [role, paymentsUrl, calls] = process.argv.slice(2);
if (role === 'payments') payments();
else if (role === 'checkout' && paymentsUrl) {
  checkout(paymentsUrl, Number(calls ?? 5)).catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
} else {
  process.stderr.write('usage: propagationService.ts payments | checkout <payments url> <calls>\n');
  process.exitCode = 2;
}
