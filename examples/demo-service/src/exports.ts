// Order export: `GET /customers/:id/orders.csv` sends a customer's order history as CSV, one page of
// the orders table at a time. The handler passes the request's AbortSignal, which aborts when the
// client disconnects, so the export could stop once nobody is downloading it.
import { pool, type Order } from './db';

const pageSize = 500;

function csvLine(order: Order): string {
  return `${order.id},${order.status},${order.totalCents}\n`;
}

export async function exportCustomerOrders(customerId: string, write: (chunk: string) => void, signal: AbortSignal): Promise<number> {
  let exported = 0;
  let after = '';
  while (true) {
    const { rows } = await pool.query<Order>(
      'select id, customer_id as "customerId", items, total_cents as "totalCents", status from orders where customer_id = $1 and id > $2 order by id limit $3',
      [customerId, after, pageSize],
    );
    if (rows.length === 0) break;
    for (const order of rows) write(csvLine(order));
    exported += rows.length;
    after = rows[rows.length - 1].id;
  }
  return exported;
}
