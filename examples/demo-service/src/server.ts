// Orders HTTP API.
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import express, { type Request, type Response } from 'express';
import Redis from 'ioredis';
import { audit } from './audit';
import { catalogue } from './catalogue';
import { chargeCard, quoteShipping } from './clients';
import { config } from './config';
import { findOrder, insertOrder, pool, releaseStock, reserveStock, setStatus, type Order, type OrderItem } from './db';
import { increment, render } from './metrics';

const app = express();
app.use(express.json({ limit: '1mb' }));

async function loadOrder(req: Request, res: Response): Promise<Order | undefined> {
  const order = await findOrder(String(req.params.id));
  if (!order) res.status(404).json({ error: 'no such order' });
  return order;
}

app.post('/orders', async (req, res) => {
  const { customerId, items } = req.body as { customerId: string; items: OrderItem[] };
  const reserved = await Promise.all(items.map((item) => reserveStock(item.sku, item.quantity)));
  if (reserved.includes(false)) {
    await releaseStock(items.filter((_, i) => reserved[i]));
    res.status(409).json({ error: 'out of stock' });
    return;
  }
  const totalCents = items.reduce((sum, item) => sum + (catalogue.price(item.sku) ?? 0) * item.quantity, 0);
  const order: Order = { id: randomUUID(), customerId, items, totalCents, status: 'pending' };
  await insertOrder(order);
  audit.record({ type: 'order.created', orderId: order.id, actor: customerId });
  increment('orders_created_total');
  res.status(201).json(order);
});

app.get('/orders/:id', async (req, res) => {
  const redis = new Redis(config.redisUrl);
  try {
    const cached = await redis.get(`order:${req.params.id}`);
    if (cached) {
      res.type('json').send(cached);
      return;
    }
    const order = await loadOrder(req, res);
    if (!order) return;
    await redis.set(`order:${order.id}`, JSON.stringify(order), 'EX', 60);
    res.json(order);
  } finally {
    await redis.quit();
  }
});

app.post('/orders/:id/pay', async (req, res) => {
  const order = await loadOrder(req, res);
  if (!order) return;
  const payment = new AbortController();
  process.on('SIGTERM', () => payment.abort());
  const charge = await chargeCard(order, String(req.body.cardToken), payment.signal);
  if (charge.status !== 'succeeded') {
    res.status(402).json({ error: 'card declined' });
    return;
  }
  await setStatus(order.id, 'paid');
  await audit.record({ type: 'order.paid', orderId: order.id });
  res.json({ ...order, status: 'paid' });
});

app.post('/orders/:id/cancel', async (req, res) => {
  const order = await loadOrder(req, res);
  if (!order) return;
  const released = releaseStock(order.items);
  await setStatus(order.id, 'cancelled');
  await audit.record({ type: 'order.cancelled', orderId: order.id, actor: String(req.body.actor ?? 'customer') });
  // bounded-disable-next-line floating-promise -- counters are best effort
  increment('orders_cancelled_total');
  res.json({ ...order, status: 'cancelled' });
});

app.get('/orders/:id/shipping', async (req, res) => {
  const order = await loadOrder(req, res);
  if (!order) return;
  res.json(await quoteShipping(order));
});

app.post('/admin/catalogue/refresh', (_req, res) => {
  catalogue.refresh();
  res.status(202).end();
});

app.get('/metrics', (_req, res) => {
  res.type('text/plain').send(render());
});

// Production runs behind an AWS Application Load Balancer with its default 60 s idle timeout.
const server = http.createServer(app);

catalogue
  .refresh()
  .then(() => {
    catalogue.start();
    server.listen(config.port, () => console.log(`orders API listening on :${config.port}`));
  })
  .catch((error: unknown) => {
    console.error('could not load the catalogue', error);
    process.exitCode = 1;
  });

process.once('SIGTERM', () => {
  catalogue.stop();
  server.close(() => {
    pool.end().catch((error: unknown) => console.error('closing the pool failed', error));
  });
});
