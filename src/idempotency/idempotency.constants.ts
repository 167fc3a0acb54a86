import { LEASE_S } from '../common/database/lease-heartbeat';
export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** Key format; an RFC 8941 sf-string may also arrive quoted. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,255}$/;
/** How long a stored response is replayed; also the published expiry policy. */
export const IDEMPOTENCY_TTL_S = 24 * 60 * 60;
/**
 * How long a claim blocks others before a crashed holder's key can be taken over. No
 * renewal is needed: the holder's transaction locks the record as its first statement and
 * keeps it locked until it commits, so a takeover waits for it; the lease only covers the
 * moment between the claim and that lock, and a crashed holder (see LEASE_S).
 */
export const IDEMPOTENCY_LOCK_S = LEASE_S;
