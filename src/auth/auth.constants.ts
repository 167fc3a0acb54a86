/** Scopes the service's own endpoints require (space-separated `scope` claim of a JWT). */
export const SCOPES = {
  PRODUCTS_WRITE: 'products:write',
  SUBSCRIPTIONS_MANAGE: 'subscriptions:manage',
  PRODUCERS_WRITE: 'producers:write',
} as const;

/** Metadata key under which `RequireScopes` stores the scopes of a route. */
export const REQUIRED_SCOPES_KEY = 'auth:required-scopes';

/** Name of the bearer security scheme in the OpenAPI document (see app.setup.ts). */
export const BEARER_SCHEME = 'bearer';

export const WWW_AUTHENTICATE = 'WWW-Authenticate';

/** Algorithms accepted on inbound JWTs; anything else (HS256, none) is rejected. */
export const JWT_ALGORITHMS = ['RS256', 'ES256'];

/** Allowed difference between our clock and the issuer's when checking exp/nbf. */
export const JWT_CLOCK_TOLERANCE_S = 5;

/** JWKS fetch timeout; an unreachable JWKS endpoint is a 503, not a hang. */
export const JWKS_TIMEOUT_MS = 2_000;

/** Minimum gap between two JWKS refetches triggered by an unknown `kid`. */
export const JWKS_COOLDOWN_MS = 1_000;

/** How long a fetched JWKS is trusted before it is fetched again. */
export const JWKS_MAX_AGE_MS = 10 * 60_000;

/** Verified-token cache: bounded, and never longer than this even for long-lived tokens. */
export const VERIFIED_TOKEN_CACHE_MAX_ENTRIES = 10_000;
export const VERIFIED_TOKEN_CACHE_MAX_AGE_MS = 5 * 60_000;

/** Retry-After (seconds) on 503 answers caused by the JWKS. */
export const AUTH_RETRY_AFTER_S = 5;

/** JWT claim of a token that acts for one producer (a positive integer). */
export const PRODUCER_ID_CLAIM = 'producer_id';
