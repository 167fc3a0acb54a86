import { AppError } from '../common/errors/app.error';
import { AUTH_RETRY_AFTER_S, WWW_AUTHENTICATE } from './auth.constants';
import { RETRY_AFTER } from '../common/http/http-headers';

/**
 * No credentials at all, or credentials of another scheme (Basic…): RFC 6750 §3.1 says
 * such a challenge carries no error code, since the client may not know auth is needed.
 */
export class MissingCredentialsError extends AppError {
  constructor() {
    super('UNAUTHORIZED', 'A bearer token is required (Authorization: Bearer <JWT>)', {
      headers: { [WWW_AUTHENTICATE]: 'Bearer' },
    });
  }
}

/** A bearer token that is malformed or fails verification (RFC 6750 §3.1 `invalid_token`). */
export class InvalidTokenError extends AppError {
  constructor(detail = 'A valid bearer token is required') {
    super('UNAUTHORIZED', detail, {
      headers: { [WWW_AUTHENTICATE]: 'Bearer error="invalid_token"' },
    });
  }
}

/** A valid token that lacks a scope the route needs (RFC 6750 §3.1 `insufficient_scope`). */
export class InsufficientScopeError extends AppError {
  constructor(readonly required: readonly string[]) {
    const scope = required.join(' ');
    super('INSUFFICIENT_SCOPE', `This operation needs the scope "${scope}"`, {
      headers: { [WWW_AUTHENTICATE]: `Bearer error="insufficient_scope", scope="${scope}"` },
    });
  }
}

/** The JWKS endpoint cannot be reached, so no token can be checked right now. */
export class JwksUnavailableError extends AppError {
  constructor(cause?: unknown) {
    super('SERVICE_UNAVAILABLE', 'The token signing keys cannot be fetched; try again shortly', {
      headers: { [RETRY_AFTER]: String(AUTH_RETRY_AFTER_S) },
      cause,
    });
  }
}
