/** Name of the one partner, as used in metric labels and lock names. */
export const PARTNER_NAME = 'partner';

export const PARTNER_ITEMS_PATH = '/v1/items';
export const PARTNER_WEBHOOKS_PATH = '/v1/webhooks';

/** Where the partner delivers webhooks to us, appended to PUBLIC_BASE_URL. */
export const WEBHOOK_RECEIVER_PATH = '/webhooks/partner';
/** Length of partner_subscriptions.url, which stores that full URL. */
export const SUBSCRIPTION_URL_MAX_LENGTH = 512;
export const SUBSCRIBED_EVENTS = ['inventory.updated', 'price.updated'] as const;

/** Partner item ids: letters, digits, `_`, `-`, `.`, not starting with a dot, ≤ 64 chars. */
export const PARTNER_ITEM_ID_PATTERN = /^[A-Za-z0-9_-][A-Za-z0-9_.-]{0,63}$/;

/** Largest partner response body we read; anything bigger is a bad response. */
export const PARTNER_MAX_BODY_BYTES = 1024 * 1024;

/**
 * Last good copies of partner items (Redis adds REDIS_KEY_PREFIX): a hash id → JSON and a
 * sorted set id → write time, in one hash slot. Bounded by PARTNER_ITEM_CACHE_MAX_ITEMS.
 */
export const ITEM_COPIES_KEY = '{external:items}:copies';
export const ITEM_COPIES_ORDER_KEY = '{external:items}:order';
export const ITEM_CACHE_TTL_S = 7 * 24 * 60 * 60;
/** Expired copies removed per write at most, so one write never does unbounded work. */
export const ITEM_COPIES_EXPIRY_BATCH = 100;

/** MySQL named lock (≤ 64 chars with its hash) serialising subscription registration. */
export const SUBSCRIPTION_LOCK_PREFIX = 'farmlokal:partner-sub:';
export const SUBSCRIPTION_LOCK_TIMEOUT_S = 15;

export const EXTERNAL_TAG = 'external';
