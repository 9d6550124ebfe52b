// Settings from the environment, read once at start-up.
export const config = {
  port: Number(process.env.PORT ?? 3000),
  databaseUrl: process.env.DATABASE_URL ?? 'postgres://orders@localhost:5432/orders',
  redisUrl: process.env.REDIS_URL ?? 'redis://localhost:6379',
  paymentsUrl: process.env.PAYMENTS_URL ?? 'https://payments.internal.example',
  paymentsApiKey: process.env.PAYMENTS_API_KEY ?? '',
  shippingUrl: process.env.SHIPPING_URL ?? 'https://shipping.internal.example',
  inventoryUrl: process.env.INVENTORY_URL ?? 'https://inventory.internal.example',
};
