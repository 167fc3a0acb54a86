import { PriceGrammar } from '../common/money/price';
import {
  INVENTORY_UPDATED,
  PRICE_UPDATED,
  WEBHOOK_EVENT_TIME_MAX_AHEAD_S,
  WEBHOOK_EVENT_TIME_MAX_BEHIND_S,
} from './webhooks.constants';

export type ProductField = 'stock' | 'price';

export interface ProductPatch {
  stock?: number;
  price?: string;
}

/** What a partner event asks of the catalog, decided from its payload alone. */
export type PartnerEffect =
  | {
      readonly kind: 'update';
      readonly sku: string;
      readonly field: ProductField;
      readonly patch: ProductPatch;
      /** The event's own time, which orders updates of one product field. */
      readonly eventTime: Date;
    }
  | { readonly kind: 'ignore'; readonly reason: string };

const MAX_SKU_LENGTH = 64;
const MAX_STOCK = 2_147_483_647;
/** DECIMAL(10,2); partners may send a JSON number or leading zeros. */
const PARTNER_PRICE = new PriceGrammar({ leadingZeros: true, numbers: true });
const RFC3339 = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The time that orders the event: the payload's RFC 3339 `timestamp` when present, valid
 * and within [delivery - 7 days, delivery + 5 min]; else the delivery's `webhook-timestamp`.
 */
export function eventTimeOf(payload: Record<string, unknown>, webhookTimestampS: number): Date {
  const deliveredMs = webhookTimestampS * 1000;
  const stated = payload.timestamp;
  if (typeof stated === 'string' && RFC3339.test(stated)) {
    const parsed = Date.parse(stated);
    if (
      Number.isFinite(parsed) &&
      parsed <= deliveredMs + WEBHOOK_EVENT_TIME_MAX_AHEAD_S * 1000 &&
      parsed >= deliveredMs - WEBHOOK_EVENT_TIME_MAX_BEHIND_S * 1000
    ) {
      return new Date(parsed);
    }
  }
  return new Date(deliveredMs);
}

function normalizeStock(value: unknown): number | null {
  return typeof value === 'number' && Number.isInteger(value) && value >= 0 && value <= MAX_STOCK
    ? value
    : null;
}

/**
 * Reads an `inventory.updated` or `price.updated` payload. Only the fields used are
 * checked; anything else in the payload is kept in the inbox and otherwise ignored.
 */
export function interpretPartnerEvent(
  payload: Record<string, unknown>,
  webhookTimestampS: number,
): PartnerEffect {
  const { type, data } = payload;
  if (type !== INVENTORY_UPDATED && type !== PRICE_UPDATED) {
    return { kind: 'ignore', reason: 'unknown event type' };
  }
  if (!isObject(data)) {
    return { kind: 'ignore', reason: 'data must be an object' };
  }
  const { sku } = data;
  if (typeof sku !== 'string' || sku.length === 0 || sku.length > MAX_SKU_LENGTH) {
    return { kind: 'ignore', reason: `data.sku must be a string of 1-${MAX_SKU_LENGTH} chars` };
  }
  const eventTime = eventTimeOf(payload, webhookTimestampS);
  if (type === INVENTORY_UPDATED) {
    const stock = normalizeStock(data.stock);
    return stock === null
      ? { kind: 'ignore', reason: 'data.stock must be an integer from 0 to 2147483647' }
      : { kind: 'update', sku, field: 'stock', patch: { stock }, eventTime };
  }
  const price = PARTNER_PRICE.parse(data.price);
  return price === null
    ? { kind: 'ignore', reason: 'data.price must be a decimal from 0 to 99999999.99' }
    : { kind: 'update', sku, field: 'price', patch: { price }, eventTime };
}
