import { createHmac, randomUUID } from 'node:crypto';

/**
 * The bench's partner: a Standard Webhooks secret the service under test is started with
 * (WEBHOOK_SECRET), and signed `inventory.updated` / `price.updated` deliveries.
 */
export const BENCH_WEBHOOK_SECRET = `whsec_${Buffer.from('bench-webhook-signing-key-32-bytes!').toString('base64')}`;

export interface StockOrPrice {
  readonly sku: string;
  readonly stock?: number;
  readonly price?: string;
}

export interface SignedDelivery {
  readonly id: string;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** `v1,<base64 HMAC-SHA256>` of `{id}.{timestamp}.{body}` under a `whsec_` secret. */
export function standardWebhookSignature(
  secret: string,
  id: string,
  timestamp: string,
  body: string,
): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** One delivery of an update, signed as Standard Webhooks v1 with `secret`. */
export function signedDelivery(
  update: StockOrPrice,
  secret = BENCH_WEBHOOK_SECRET,
  now = new Date(),
): SignedDelivery {
  const id = `msg_bench_${randomUUID().replace(/-/g, '')}`;
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const body = JSON.stringify(
    update.price !== undefined
      ? {
          type: 'price.updated',
          timestamp: now.toISOString(),
          data: { sku: update.sku, price: update.price },
        }
      : {
          type: 'inventory.updated',
          timestamp: now.toISOString(),
          data: { sku: update.sku, stock: update.stock ?? 0 },
        },
  );
  return {
    id,
    body,
    headers: {
      'content-type': 'application/json',
      'webhook-id': id,
      'webhook-timestamp': timestamp,
      'webhook-signature': standardWebhookSignature(secret, id, timestamp, body),
    },
  };
}

/** Delivers one update; resolves with the HTTP status and the time the answer came. */
export async function deliver(
  baseUrl: string,
  update: StockOrPrice,
): Promise<{ status: number; body: string; ackAt: number }> {
  const delivery = signedDelivery(update);
  const res = await fetch(`${baseUrl}/webhooks/partner`, {
    method: 'POST',
    headers: delivery.headers,
    body: delivery.body,
  });
  const body = await res.text();
  return { status: res.status, body, ackAt: performance.now() };
}
