// Fulfilment worker: reads paid orders from the `orders` Redis stream (consumer group `fulfilment`),
// prints a shipping label for each and acknowledges it.
import Redis from 'ioredis';
import { audit } from './audit';
import { createLabel } from './clients';
import { config } from './config';

const stream = 'orders';
const group = 'fulfilment';
const consumer = `worker-${process.pid}`;

const redis = new Redis(config.redisUrl);
const shutdown = new AbortController();
process.once('SIGTERM', () => shutdown.abort());

type StreamEntry = [id: string, fields: string[]];
type StreamBatch = Array<[stream: string, entries: StreamEntry[]]>;

function field(fields: string[], name: string): string | undefined {
  const at = fields.indexOf(name);
  return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined;
}

async function handle([id, fields]: StreamEntry): Promise<void> {
  const orderId = field(fields, 'orderId');
  if (!orderId) {
    await redis.xack(stream, group, id);
    return;
  }
  shutdown.signal.addEventListener('abort', () => console.warn(`stopping while ${orderId} is in flight`));
  const labelUrl = await createLabel(orderId);
  await redis.hset(`order:${orderId}:fulfilment`, 'label', labelUrl, 'entry', id);
  await audit.record({ type: 'order.shipped', orderId });
  await redis.xack(stream, group, id);
}

async function ensureGroup(): Promise<void> {
  try {
    await redis.xgroup('CREATE', stream, group, '$', 'MKSTREAM');
  } catch (error) {
    if (!String(error).includes('BUSYGROUP')) throw error;
  }
}

async function run(): Promise<void> {
  await ensureGroup();
  while (!shutdown.signal.aborted) {
    const batch = (await redis.xreadgroup('GROUP', group, consumer, 'COUNT', 50, 'BLOCK', 5000, 'STREAMS', stream, '>')) as StreamBatch | null;
    for (const [, entries] of batch ?? []) {
      for (const entry of entries) {
        handle(entry);
      }
    }
  }
  await redis.quit();
}

run().catch((error: unknown) => {
  console.error('worker stopped', error);
  process.exitCode = 1;
});
