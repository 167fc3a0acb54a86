import { PriceGrammar } from '../common/money/price';
import { PartnerBadResponseError } from './external.errors';

/** A partner item as we pass it on: validated and normalised (money as "0.00", UTC time). */
export interface PartnerItem {
  readonly id: string;
  readonly name: string;
  readonly price: string;
  readonly available_qty: number;
  readonly updated_at: string;
}

/** A webhook subscription as the partner reports it. */
export interface PartnerWebhook {
  readonly id: string;
  readonly url: string;
  readonly events: string[];
  /** Present when the partner returns it (always on creation). */
  readonly secret?: string;
}

/** A subscription whose signing secret we know. */
export type KeyedWebhook = PartnerWebhook & { readonly secret: string };

export const hasSecret = (hook: PartnerWebhook): hook is KeyedWebhook =>
  typeof hook.secret === 'string' && hook.secret.length > 0;

const MAX_NAME_LENGTH = 500;
const MAX_ID_LENGTH = 128;
const MAX_URL_LENGTH = 2048;
const MAX_SECRET_LENGTH = 512;
/** Partner prices: up to 12 integer digits, leading zeros and JSON numbers accepted. */
const PARTNER_ITEM_PRICE = new PriceGrammar({
  integerDigits: 12,
  leadingZeros: true,
  numbers: true,
});

type Json = Record<string, unknown>;

function bad(detail: string): PartnerBadResponseError {
  return new PartnerBadResponseError(`Unexpected partner data: ${detail}`);
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function identifier(value: unknown, field: string): string {
  const id = typeof value === 'number' && Number.isSafeInteger(value) ? String(value) : value;
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw bad(`${field} is not an identifier`);
  }
  return id;
}

function money(value: unknown): string {
  const price = PARTNER_ITEM_PRICE.parse(value);
  if (price === null) {
    throw bad('price is not a non-negative decimal');
  }
  return price;
}

/** Parses a JSON body, or throws PartnerBadResponseError. */
export function parseJson(body: string): unknown {
  try {
    return JSON.parse(body) as unknown;
  } catch {
    throw bad('body is not JSON');
  }
}

/** Validates GET /v1/items/:id's answer for item `expectedId`. */
export function toPartnerItem(data: unknown, expectedId: string): PartnerItem {
  if (!isObject(data)) {
    throw bad('item is not an object');
  }
  const id = identifier(data.id, 'id');
  if (id !== expectedId) {
    throw bad('item id does not match the requested id');
  }
  const { name, available_qty: quantity, updated_at: updatedAt } = data;
  if (typeof name !== 'string' || name.length === 0 || name.length > MAX_NAME_LENGTH) {
    throw bad('name is not a non-empty string');
  }
  if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity < 0) {
    throw bad('available_qty is not a non-negative integer');
  }
  const time = typeof updatedAt === 'string' ? Date.parse(updatedAt) : Number.NaN;
  if (Number.isNaN(time)) {
    throw bad('updated_at is not a timestamp');
  }
  return {
    id,
    name,
    price: money(data.price),
    available_qty: quantity,
    updated_at: new Date(time).toISOString(),
  };
}

/** Validates one subscription from POST or GET /v1/webhooks. */
export function toPartnerWebhook(data: unknown): PartnerWebhook {
  if (!isObject(data)) {
    throw bad('subscription is not an object');
  }
  const id = identifier(data.id, 'subscription id');
  const { url, events, secret } = data;
  if (typeof url !== 'string' || url.length === 0 || url.length > MAX_URL_LENGTH) {
    throw bad('subscription url is not a string');
  }
  if (!Array.isArray(events) || !events.every((e): e is string => typeof e === 'string')) {
    throw bad('subscription events is not a list of strings');
  }
  if (secret !== undefined && secret !== null) {
    if (typeof secret !== 'string' || secret.length === 0 || secret.length > MAX_SECRET_LENGTH) {
      throw bad('subscription secret is not a string');
    }
    return { id, url, events, secret };
  }
  return { id, url, events };
}

/** Validates GET /v1/webhooks's `{ data: [...] }`. */
export function toPartnerWebhookList(data: unknown): PartnerWebhook[] {
  if (!isObject(data) || !Array.isArray(data.data)) {
    throw bad('subscription list has no data array');
  }
  return data.data.map(toPartnerWebhook);
}
