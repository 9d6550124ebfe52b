// Append-only audit trail of what happened to an order, for support and finance.
import type { Pool } from 'pg';
import { pool } from './db';

export interface AuditEvent {
  type: 'order.created' | 'order.paid' | 'order.cancelled' | 'order.shipped';
  orderId: string;
  actor?: string;
}

export class AuditLog {
  constructor(private readonly db: Pool) {}

  async record(event: AuditEvent): Promise<void> {
    await this.db.query('insert into audit_events (type, order_id, actor, at) values ($1, $2, $3, now())', [
      event.type,
      event.orderId,
      event.actor ?? 'system',
    ]);
  }
}

export const audit = new AuditLog(pool);
