// Order enrichment: asks the tagging model for a category and risk score of each new order, for the
// fraud review queue. The model endpoint is slow and sometimes overloaded, so calls are retried.
import { config } from './config';
import { pool, type Order } from './db';

const modelUrl = process.env.TAGGING_MODEL_URL ?? `${config.shippingUrl}/../tagging/v1/classify`;

export interface OrderTags {
  category: string;
  riskScore: number;
}

async function classify(order: Order): Promise<OrderTags> {
  const response = await fetch(modelUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: order.items, totalCents: order.totalCents }),
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`tagging model answered ${response.status}`);
  return (await response.json()) as OrderTags;
}

export async function enrichOrder(order: Order): Promise<OrderTags> {
  let tags: OrderTags;
  while (true) {
    try {
      tags = await classify(order);
      break;
    } catch {
      continue;
    }
  }
  await pool.query('update orders set category = $2, risk_score = $3 where id = $1', [order.id, tags.category, tags.riskScore]);
  return tags;
}
