// Tracing around the outbound calls: each payment and label request gets a span, exported by the
// OpenTelemetry SDK that the deployment preloads (`node --import @opentelemetry/auto-instrumentations-node/register`).
import { SpanStatusCode, trace } from '@opentelemetry/api';
import { chargeCard, createLabel, type Charge } from './clients';
import type { Order } from './db';

const tracer = trace.getTracer('demo-service');

/** Runs `work` in an active span that ends however `work` settles. */
export function inSpan<T>(name: string, work: () => Promise<T>): Promise<T> {
  return tracer.startActiveSpan(name, async (span) => {
    try {
      return await work();
    } catch (error) {
      span.recordException(error as Error);
      span.setStatus({ code: SpanStatusCode.ERROR });
      throw error;
    } finally {
      span.end();
    }
  });
}

export async function tracedCharge(order: Order, cardToken: string, signal: AbortSignal): Promise<Charge> {
  const span = tracer.startSpan('payments.charge', { attributes: { 'order.id': order.id } });
  const charge = await chargeCard(order, cardToken, signal);
  span.setAttribute('payments.status', charge.status);
  span.end();
  return charge;
}

export function tracedLabel(orderId: string): Promise<string> {
  return inSpan('shipping.label', () => createLabel(orderId));
}
