export {
  IDEMPOTENCY_KEY_HEADER,
  IDEMPOTENCY_KEY_PATTERN,
  IDEMPOTENCY_TTL_S,
  IDEMPOTENT_REPLAYED_HEADER,
} from './idempotency.constants';
export { parseIdempotencyKey } from './idempotency.errors';
export { IdempotencyModule } from './idempotency.module';
export { IdempotencyService } from './idempotency.service';
export type {
  IdempotencyScope,
  IdempotentOutcome,
  IdempotentRequest,
  StoredResponse,
} from './idempotency.service';
