import { LEASE_S } from '../common/database/lease-heartbeat';

/** Standard Webhooks request headers (https://www.standardwebhooks.com/). */
export const WEBHOOK_ID_HEADER = 'webhook-id';
export const WEBHOOK_TIMESTAMP_HEADER = 'webhook-timestamp';
export const WEBHOOK_SIGNATURE_HEADER = 'webhook-signature';
/** Svix's names for the same three headers (what Svix senders use by default). */
export const SVIX_ID_HEADER = 'svix-id';
export const SVIX_TIMESTAMP_HEADER = 'svix-timestamp';
export const SVIX_SIGNATURE_HEADER = 'svix-signature';

/** The route partners deliver to, relative to the controller prefix. */
export const WEBHOOKS_ROUTE_PREFIX = 'webhooks';
export const PARTNER_WEBHOOK_PATH = 'partner';

/**
 * Media type the raw-body parser is registered under. Deliveries are re-labelled with it
 * before Fastify picks a parser, so their bytes reach the handler untouched and JSON is
 * parsed only after the signature is verified.
 */
export const WEBHOOK_RAW_MEDIA_TYPE = 'application/x-farmlokal-webhook-raw';

/** Accepted distance between `webhook-timestamp` and now, in both directions. */
export const WEBHOOK_TOLERANCE_S = 300;

/**
 * The window, relative to the delivery's `webhook-timestamp`, in which a payload's own event
 * time is trusted for ordering. Outside it (a sender's broken clock, a `9999-12-31` typo) the
 * delivery time orders the event instead, so one bad event can never freeze a product.
 */
export const WEBHOOK_EVENT_TIME_MAX_AHEAD_S = 5 * 60;
export const WEBHOOK_EVENT_TIME_MAX_BEHIND_S = 7 * 24 * 60 * 60;
/**
 * An applied version later than this past the database clock cannot come from a trusted
 * event time (at most delivery + 5 min, delivery at most now + 5 min): it is overridden.
 */
export const WEBHOOK_VERSION_MAX_AHEAD_S = WEBHOOK_TOLERANCE_S + WEBHOOK_EVENT_TIME_MAX_AHEAD_S;
/**
 * Applied versions older than this are deleted: every event still deliverable orders at or
 * after now - 7 days - 5 min, so such a row can no longer decide anything. One day of margin.
 */
export const WEBHOOK_VERSION_RETENTION_DAYS = 8;

/**
 * How long a delivery owns an event it claimed before another delivery may take over;
 * renewed while it works (see LEASE_S for the sizing).
 */
export const WEBHOOK_LEASE_S = LEASE_S;

/**
 * Redis fast path for duplicates of settled events (the inbox table stays the record).
 * Short-lived: it only absorbs partner retry bursts; a later duplicate is answered from MySQL.
 */
export const webhookDoneKey = (eventId: string): string => `webhooks:done:${eventId}`;
export const WEBHOOK_DONE_TTL_S = 5 * 60;

/** Retention of settled (processed or ignored) events; partners retry for up to ~3 days. */
export const WEBHOOK_RETENTION_DAYS = 7;
/**
 * Every 5 minutes: one run deletes at most 100 batches of 1,000 rows, so the purge keeps up
 * with about 330 settled events a second.
 */
export const WEBHOOK_CLEANUP_INTERVAL_MS = 5 * 60 * 1000;
export const WEBHOOK_CLEANUP_FIRST_RUN_MS = 60 * 1000;
export const WEBHOOK_CLEANUP_BATCH_SIZE = 1000;
/** Upper bound of batches per run, so one run never holds the lock for long. */
export const WEBHOOK_CLEANUP_MAX_BATCHES = 100;
export const WEBHOOK_CLEANUP_LOCK_KEY = 'webhooks:cleanup:lock';
export const WEBHOOK_CLEANUP_LOCK_TTL_MS = 5 * 60 * 1000;

/** Longest stored processing error; the full error is logged. */
export const WEBHOOK_ERROR_MAX_LENGTH = 1000;

/** Partner event types that change the catalog. */
export const INVENTORY_UPDATED = 'inventory.updated';
export const PRICE_UPDATED = 'price.updated';

/** Labels of MetricsService.webhookEvents. */
export type WebhookOutcome =
  | 'processed'
  | 'ignored'
  | 'duplicate'
  | 'in_progress'
  | 'failed'
  | 'invalid_signature'
  | 'malformed';
