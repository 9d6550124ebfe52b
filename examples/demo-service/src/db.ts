// Postgres access for orders and stock.
import { Pool } from 'pg';
import { config } from './config';

export const pool = new Pool({
  connectionString: config.databaseUrl,
  idleTimeoutMillis: 30_000,
  application_name: 'orders-api',
});

export interface OrderItem {
  sku: string;
  quantity: number;
}

export type OrderStatus = 'pending' | 'paid' | 'cancelled';

export interface Order {
  id: string;
  customerId: string;
  items: OrderItem[];
  totalCents: number;
  status: OrderStatus;
}

export async function findOrder(id: string): Promise<Order | undefined> {
  const result = await pool.query<Order>(
    'select id, customer_id as "customerId", items, total_cents as "totalCents", status from orders where id = $1',
    [id],
  );
  return result.rows[0];
}

export async function insertOrder(order: Order): Promise<void> {
  await pool.query('insert into orders (id, customer_id, items, total_cents, status) values ($1, $2, $3, $4, $5)', [
    order.id,
    order.customerId,
    JSON.stringify(order.items),
    order.totalCents,
    order.status,
  ]);
}

export async function setStatus(id: string, status: OrderStatus): Promise<void> {
  await pool.query('update orders set status = $2, updated_at = now() where id = $1', [id, status]);
}

/** Takes `quantity` units of a SKU off the shelf; false when there are not enough left. */
export async function reserveStock(sku: string, quantity: number): Promise<boolean> {
  const result = await pool.query('update stock set available = available - $2 where sku = $1 and available >= $2', [sku, quantity]);
  return result.rowCount === 1;
}

export async function releaseStock(items: OrderItem[]): Promise<void> {
  for (const item of items) {
    await pool.query('update stock set available = available + $2 where sku = $1', [item.sku, item.quantity]);
  }
}
