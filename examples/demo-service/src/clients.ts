// Outbound calls: the payments provider (through undici) and the shipping service (global fetch).
import { Agent, request } from 'undici';
import { config } from './config';
import type { Order } from './db';

const paymentsAgent = new Agent({
  keepAliveTimeout: 10_000,
  keepAliveMaxTimeout: 60_000,
});

export interface Charge {
  id: string;
  status: 'succeeded' | 'declined';
}

export async function chargeCard(order: Order, cardToken: string, signal: AbortSignal): Promise<Charge> {
  const { statusCode, body } = await request(`${config.paymentsUrl}/v1/charges`, {
    method: 'POST',
    dispatcher: paymentsAgent,
    headers: { authorization: `Bearer ${config.paymentsApiKey}`, 'content-type': 'application/json' },
    body: JSON.stringify({ amount: order.totalCents, currency: 'eur', source: cardToken, reference: order.id }),
  });
  if (statusCode >= 500) throw new Error(`payments provider answered ${statusCode}`);
  if (signal.aborted) throw new Error('charge abandoned');
  return (await body.json()) as Charge;
}

export interface ShippingQuote {
  carrier: string;
  priceCents: number;
  days: number;
}

export async function quoteShipping(order: Order): Promise<ShippingQuote[]> {
  const response = await fetch(`${config.shippingUrl}/quotes`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ items: order.items }),
  });
  if (!response.ok) throw new Error(`shipping quotes failed: ${response.status}`);
  return (await response.json()) as ShippingQuote[];
}

export async function createLabel(orderId: string): Promise<string> {
  const response = await fetch(`${config.shippingUrl}/labels`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ orderId }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`label for ${orderId} failed: ${response.status}`);
  const { labelUrl } = (await response.json()) as { labelUrl: string };
  return labelUrl;
}
