import { AppError, ValidationProblemError } from '../common/errors/app.error';
import { RETRY_AFTER } from '../common/http/http-headers';
import { IDEMPOTENCY_KEY_PATTERN } from './idempotency.constants';

export class IdempotencyKeyInUseError extends AppError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_IN_USE',
      'A request with this Idempotency-Key is still being processed; retry shortly',
      { headers: { [RETRY_AFTER]: '1' } },
    );
  }
}

export class IdempotencyKeyMismatchError extends AppError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_MISMATCH',
      'This Idempotency-Key was used with a different request body; use a new key',
    );
  }
}

/** Parses the Idempotency-Key header: undefined when absent, 400 when malformed. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const raw = Array.isArray(header) ? '' : header.trim();
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    const message = 'Idempotency-Key must be 1 to 255 characters of A-Z a-z 0-9 _ . : -';
    throw new ValidationProblemError([{ field: 'Idempotency-Key', message }], message);
  }
  return key;
}
