// Fixture for the liveStreamSites vscode suite: a producer and a consumer of one Redis stream whose
// key is a constant (bounded/streamSites links the stream's row in the Streams tab to these lines).
import Redis from 'ioredis';

export const ORDERS = 'bounded-suite-orders';
const redis = new Redis();

export async function placeOrder(id: string): Promise<void> {
  await redis.xadd(ORDERS, '*', 'id', id);
}

export async function work(consumer: string): Promise<void> {
  const batch = await redis.xreadgroup('GROUP', 'workers', consumer, 'COUNT', 10, 'STREAMS', ORDERS, '>');
  for (const [, entries] of batch ?? []) {
    for (const [id] of entries) await redis.xack(ORDERS, 'workers', id);
  }
}
