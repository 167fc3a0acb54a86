import { AppError } from '../common/errors/app.error';
import { retryAfterSeconds } from './resilience/backoff';
import { RETRY_AFTER } from '../common/http/http-headers';

/** Why a partner call gave up without a usable answer. */
export type UnavailableReason =
  /** The circuit is open (or half-open with its trial in flight): no call was made. */
  | 'circuit_open'
  /** The overall deadline left no room for another attempt. */
  | 'deadline'
  /** The partner asked us to come back later than the deadline allows. */
  | 'retry_after'
  /** Every allowed attempt failed with a network error, a timeout, a 5xx or a 429. */
  | 'exhausted';

/** The partner could not be reached in time: 503 with `Retry-After`. */
export class PartnerUnavailableError extends AppError {
  constructor(
    readonly reason: UnavailableReason,
    retryAfterMs: number,
    detail = 'The partner API is temporarily unavailable',
  ) {
    super('PARTNER_UNAVAILABLE', detail, {
      headers: { [RETRY_AFTER]: retryAfterSeconds(retryAfterMs) },
    });
  }
}

/** The partner answered, but not with something we can use (unexpected status or body). */
export class PartnerBadResponseError extends AppError {
  constructor(
    detail: string,
    readonly partnerStatus?: number,
  ) {
    super('PARTNER_BAD_RESPONSE', detail);
  }
}

export class PartnerItemNotFoundError extends AppError {
  constructor(id: string) {
    super('PARTNER_ITEM_NOT_FOUND', `The partner has no item with id ${id}`);
  }
}
