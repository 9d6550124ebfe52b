// The checkout preview: shipping quotes for an order the client is still looking at.
import { quoteShipping, type ShippingQuote } from './clients';
import type { Order } from './db';

export async function previewCheckout(order: Order, signal: AbortSignal): Promise<{ order: Order; quotes: ShippingQuote[] }> {
  if (signal.aborted) throw new Error('preview abandoned');
  const quotes = await quoteShipping(order);
  return { order, quotes };
}
