// Product catalogue held in memory and refreshed from Postgres in the background.
import { pool } from './db';

export interface Product {
  sku: string;
  name: string;
  priceCents: number;
}

const refreshEveryMs = 30_000;

export class CatalogueCache {
  private products = new Map<string, Product>();
  private running = false;

  start(): void {
    if (this.running) return;
    this.running = true;
    setInterval(() => {
      this.refresh().catch((error: unknown) => console.error('catalogue refresh failed', error));
    }, refreshEveryMs);
  }

  stop(): void {
    this.running = false;
    this.products.clear();
  }

  async refresh(): Promise<void> {
    const result = await pool.query<Product>('select sku, name, price_cents as "priceCents" from products where active');
    this.products = new Map(result.rows.map((product) => [product.sku, product]));
  }

  price(sku: string): number | undefined {
    return this.products.get(sku)?.priceCents;
  }
}

export const catalogue = new CatalogueCache();
