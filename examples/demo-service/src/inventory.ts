// Stock levels from the inventory service, over HTTPS with an agent of its own.
import https from 'node:https';
import { config } from './config';

const inventoryAgent = new https.Agent({ maxSockets: 20 });

export function stockLevel(sku: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const url = `${config.inventoryUrl}/stock/${encodeURIComponent(sku)}`;
    const req = https.get(url, { agent: inventoryAgent, timeout: 5000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve(Number((JSON.parse(body) as { available: number }).available)));
    });
    req.on('timeout', () => req.destroy(new Error('inventory service timed out')));
    req.on('error', reject);
  });
}
