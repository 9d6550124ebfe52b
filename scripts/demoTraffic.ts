// Traffic of examples/demo-service as its traces would show it, sent to the live panel by `npm run
// demo`: the demo's dependencies are deliberately not installed, so rather than running it this
// writes the spans its routes and worker make, with the real OpenTelemetry SDK and OTLP exporter.
// Each span's `code.filepath`/`code.lineno` names the demo line that makes it, found by the text of
// that line, so Reveal source opens the right place and an edit of the demo cannot leave it stale.
//   orders-api         POST /orders (stock updates, the insert), POST /orders/:id/pay (the lookup,
//                      payments.charge over undici, the status update; every fourth card declined),
//                      GET /orders/:id/shipping (the lookup, the quote from the shipping service)
//   fulfilment-worker  a message of the `orders` stream (group `fulfilment`): the label, HSET, XACK
//   payments-provider, shipping-service: the server side of those calls
// followLiveEndpoint sends them where the window's receiver listens now: the extension writes its
// receiver's state to the file BOUNDED_LIVE_ENDPOINT_FILE names (`npm run demo` sets it), so the
// traffic follows a restart on another port ("Use Another Port", a changed bounded.live.otlp.port).
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SpanKind, type Attributes, type Span } from '@opentelemetry/api';
import { createServiceTracers, recordSpan, type ServiceTracers, type TimedSpan } from './syntheticTraces';

export const demoServices = ['orders-api', 'fulfilment-worker', 'payments-provider', 'shipping-service'] as const;
type DemoService = (typeof demoServices)[number];

/** The demo line each kind of span comes from: a file of src/ and a text that occurs once in it. */
const anchors = {
  createOrder: ['server.ts', "app.post('/orders', async"],
  payOrder: ['server.ts', "app.post('/orders/:id/pay', async"],
  shippingQuotes: ['server.ts', "app.get('/orders/:id/shipping', async"],
  findOrder: ['db.ts', 'const result = await pool.query<Order>('],
  insertOrder: ['db.ts', "await pool.query('insert into orders"],
  setStatus: ['db.ts', "await pool.query('update orders set status"],
  reserveStock: ['db.ts', "await pool.query('update stock set available = available - $2"],
  tracedCharge: ['tracing.ts', "tracer.startSpan('payments.charge'"],
  chargeRequest: ['clients.ts', 'await request(`${config.paymentsUrl}/v1/charges`'],
  quoteRequest: ['clients.ts', 'await fetch(`${config.shippingUrl}/quotes`'],
  labelRequest: ['clients.ts', 'await fetch(`${config.shippingUrl}/labels`'],
  handleEntry: ['worker.ts', 'async function handle('],
  inSpan: ['tracing.ts', 'return tracer.startActiveSpan(name'],
  saveLabel: ['worker.ts', "await redis.hset(`order:${orderId}:fulfilment`"],
  ackEntry: ['worker.ts', 'await redis.xack(stream, group, id);\n}'],
} as const satisfies Record<string, readonly [string, string]>;

export type DemoAnchor = keyof typeof anchors;

export interface SourceLocation {
  /** Absolute path of the demo file. */
  file: string;
  /** 1-based. */
  line: number;
}

/** The location of each anchor in the demo at `demoRoot`; throws naming an anchor whose text is missing or not unique. */
export function demoSourceLocations(demoRoot: string): Record<DemoAnchor, SourceLocation> {
  const located = {} as Record<DemoAnchor, SourceLocation>;
  for (const [name, [file, text]] of Object.entries(anchors) as Array<[DemoAnchor, readonly [string, string]]>) {
    const path = join(demoRoot, 'src', file);
    const source = readFileSync(path, 'utf8');
    const at = source.indexOf(text);
    if (at < 0 || source.indexOf(text, at + 1) >= 0) {
      throw new Error(`${path}: the text "${text}" (where the demo's ${name} spans come from) is ${at < 0 ? 'not there' : 'there more than once'}`);
    }
    located[name] = { file: path, line: source.slice(0, at).split('\n').length };
  }
  return located;
}

export interface DemoTraffic {
  /** Writes one round of the demo's flows ending about now (round numbers pick which card is declined). */
  sendRound(round: number): Promise<void>;
  shutdown(): Promise<void>;
}

/** Every fourth round's payment is declined. */
export const declinedEvery = 4;

export function createDemoTraffic(endpoint: string, demoRoot: string): DemoTraffic {
  const locations = demoSourceLocations(demoRoot);
  const tracers: ServiceTracers = createServiceTracers(endpoint, demoServices, { 'service.version': '1.4.0', 'deployment.environment.name': 'demo' });
  const code = (anchor: DemoAnchor): Attributes => ({ 'code.filepath': locations[anchor].file, 'code.lineno': locations[anchor].line });
  const span = (service: DemoService, at: DemoAnchor | undefined, timed: TimedSpan): Span =>
    recordSpan(tracers.tracer(service), { ...timed, attributes: { ...(at ? code(at) : {}), ...timed.attributes } });
  const query = (parent: Span, at: DemoAnchor, operation: string, table: string, statement: string, startMs: number, durationMs: number): Span =>
    span('orders-api', at, {
      name: `${operation} ${table}`,
      kind: SpanKind.CLIENT,
      parent,
      startMs,
      durationMs,
      attributes: { 'db.system': 'postgresql', 'db.namespace': 'orders', 'db.operation.name': operation, 'db.collection.name': table, 'db.query.text': statement, 'server.address': 'orders-db', 'server.port': 5432 },
    });
  const outgoing = (service: DemoService, parent: Span, at: DemoAnchor, host: string, path: string, startMs: number, durationMs: number, status: number, error?: TimedSpan['error']): Span =>
    span(service, at, {
      name: 'POST',
      kind: SpanKind.CLIENT,
      parent,
      startMs,
      durationMs,
      attributes: { 'http.request.method': 'POST', 'url.full': `https://${host}${path}`, 'server.address': host, 'server.port': 443, 'http.response.status_code': status },
      error,
    });
  const incoming = (service: DemoService, parent: Span | undefined, at: DemoAnchor | undefined, method: string, route: string, startMs: number, durationMs: number, status: number, error?: TimedSpan['error']): Span =>
    span(service, at, {
      name: `${method} ${route}`,
      kind: SpanKind.SERVER,
      parent,
      startMs,
      durationMs,
      attributes: { 'http.request.method': method, 'http.route': route, 'url.path': route.replace(':id', 'ord_7f3a'), 'http.response.status_code': status },
      error,
    });

  return {
    async sendRound(round) {
      const jitter = (spread: number): number => Math.round(Math.random() * spread);
      const base = Date.now() - 5_000;

      // POST /orders: one stock update per item (the fan-out), then the insert.
      const items = 2 + (round % 3);
      const create = incoming('orders-api', undefined, 'createOrder', 'POST', '/orders', base, 40 + items * 9 + jitter(20), 201);
      for (let item = 0; item < items; item++) {
        query(create, 'reserveStock', 'UPDATE', 'stock', 'update stock set available = available - $2 where sku = $1 and available >= $2', base + 2, 6 + jitter(5));
      }
      query(create, 'insertOrder', 'INSERT', 'orders', 'insert into orders (id, customer_id, items, total_cents, status) values ($1, $2, $3, $4, $5)', base + 16 + items, 8 + jitter(6));

      // POST /orders/:id/pay: the lookup, the charge (a declined card fails the provider's call), the status update.
      const declined = round % declinedEvery === declinedEvery - 1;
      const payAt = base + 1_000;
      const chargeMs = 120 + jitter(90) + (declined ? 300 : 0);
      const pay = incoming('orders-api', undefined, 'payOrder', 'POST', '/orders/:id/pay', payAt, chargeMs + 40, declined ? 402 : 200);
      query(pay, 'findOrder', 'SELECT', 'orders', 'select id, customer_id as "customerId", items, total_cents as "totalCents", status from orders where id = $1', payAt + 2, 5 + jitter(4));
      const declineError = declined ? { name: 'CardDeclinedError', message: 'card declined: insufficient funds' } : undefined;
      const charge = span('orders-api', 'tracedCharge', {
        name: 'payments.charge',
        kind: SpanKind.INTERNAL,
        parent: pay,
        startMs: payAt + 10,
        durationMs: chargeMs,
        attributes: { 'order.id': `ord_${round}`, 'payments.status': declined ? 'declined' : 'succeeded' },
      });
      const chargeRequest = outgoing('orders-api', charge, 'chargeRequest', 'payments.example.com', '/v1/charges', payAt + 11, chargeMs - 2, declined ? 402 : 200, declineError);
      incoming('payments-provider', chargeRequest, undefined, 'POST', '/v1/charges', payAt + 14, chargeMs - 8, declined ? 402 : 200, declineError);
      if (!declined) query(pay, 'setStatus', 'UPDATE', 'orders', 'update orders set status = $2, updated_at = now() where id = $1', payAt + chargeMs + 14, 6 + jitter(4));

      // GET /orders/:id/shipping: the lookup and the shipping service's quotes.
      const quoteAt = base + 2_000;
      const quoteMs = 60 + jitter(60);
      const quotes = incoming('orders-api', undefined, 'shippingQuotes', 'GET', '/orders/:id/shipping', quoteAt, quoteMs + 15, 200);
      query(quotes, 'findOrder', 'SELECT', 'orders', 'select id, customer_id as "customerId", items, total_cents as "totalCents", status from orders where id = $1', quoteAt + 2, 5 + jitter(4));
      const quoteRequest = outgoing('orders-api', quotes, 'quoteRequest', 'shipping.example.com', '/quotes', quoteAt + 9, quoteMs, 200);
      incoming('shipping-service', quoteRequest, undefined, 'POST', '/quotes', quoteAt + 11, quoteMs - 4, 200);

      // The worker: one message of the `orders` stream, its label, the fulfilment record, the ack.
      if (!declined) {
        const workAt = base + 3_000;
        const labelMs = 80 + jitter(70);
        const entry = span('fulfilment-worker', 'handleEntry', {
          name: 'orders process',
          kind: SpanKind.CONSUMER,
          startMs: workAt,
          durationMs: labelMs + 20,
          attributes: { 'messaging.system': 'redis', 'messaging.operation.type': 'process', 'messaging.destination.name': 'orders', 'messaging.consumer.group.name': 'fulfilment', 'messaging.message.id': `${workAt}-0` },
        });
        const label = span('fulfilment-worker', 'inSpan', { name: 'shipping.label', kind: SpanKind.INTERNAL, parent: entry, startMs: workAt + 1, durationMs: labelMs });
        const labelRequest = outgoing('fulfilment-worker', label, 'labelRequest', 'shipping.example.com', '/labels', workAt + 2, labelMs - 2, 201);
        incoming('shipping-service', labelRequest, undefined, 'POST', '/labels', workAt + 4, labelMs - 6, 201);
        for (const [at, command, durationMs] of [['saveLabel', 'HSET', 2], ['ackEntry', 'XACK', 1]] as const) {
          span('fulfilment-worker', at, {
            name: command,
            kind: SpanKind.CLIENT,
            parent: entry,
            startMs: workAt + labelMs + (command === 'HSET' ? 4 : 10),
            durationMs,
            attributes: { 'db.system': 'redis', 'db.operation.name': command, 'server.address': 'orders-redis', 'server.port': 6379 },
          });
        }
      }
      await tracers.flush();
    },
    shutdown: () => tracers.shutdown(),
  };
}

/** The endpoint the window's receiver listens at, from the file it writes; undefined while it is not running (or has written nothing yet). */
export function runningEndpointIn(file: string): string | undefined {
  if (!existsSync(file)) return undefined;
  try {
    const written = JSON.parse(readFileSync(file, 'utf8')) as { state?: unknown; endpoint?: unknown };
    return written.state === 'running' && typeof written.endpoint === 'string' ? written.endpoint : undefined;
  } catch {
    return undefined;
  }
}

export interface FollowOptions {
  /** The file the extension writes its receiver's state to (BOUNDED_LIVE_ENDPOINT_FILE). */
  endpointFile: string;
  demoRoot: string;
  stopped: () => boolean;
  /** Between rounds while the receiver runs. */
  roundIntervalMs: number;
  /** Between looks at the file while it does not. */
  probeIntervalMs: number;
  say: (line: string) => void;
}

/** Sends a round of the demo's traffic every few seconds to where the window's receiver listens now, until `stopped`. */
export async function followLiveEndpoint(options: FollowOptions): Promise<void> {
  let traffic: DemoTraffic | undefined;
  let endpoint: string | undefined;
  for (let round = 0; !options.stopped(); ) {
    const now = runningEndpointIn(options.endpointFile);
    if (now !== endpoint) {
      await traffic?.shutdown().catch(() => undefined);
      traffic = now === undefined ? undefined : createDemoTraffic(now, options.demoRoot);
      options.say(
        now === undefined
          ? `Traces: the window's receiver is not running${endpoint ? ` (it was at ${endpoint})` : ''}; waiting for it (it starts with the window)`
          : `Traces: sending the demo service's traffic to ${now} every ${options.roundIntervalMs / 1000} s (Bounded: Show Live Traces)`,
      );
      endpoint = now;
    }
    if (traffic !== undefined) {
      await traffic.sendRound(round++).catch((error: unknown) => options.say(`Traces: a round was not delivered: ${error instanceof Error ? error.message : String(error)}`));
    }
    await new Promise((resolve) => setTimeout(resolve, traffic ? options.roundIntervalMs : options.probeIntervalMs));
  }
  await traffic?.shutdown();
}
