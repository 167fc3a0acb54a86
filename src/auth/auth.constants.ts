/** Scopes the service's own endpoints require (space-separated `scope` claim of a JWT). */
export const SCOPES = {
  PRODUCTS_WRITE: 'products:write',
  SUBSCRIPTIONS_MANAGE: 'subscriptions:manage',
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

/** Retry-After (seconds) on 503 answers caused by the JWKS or the token endpoint. */
export const AUTH_RETRY_AFTER_S = 5;

/** Outbound OAuth2 client credentials: per-request timeout of the token endpoint call. */
export const TOKEN_FETCH_TIMEOUT_MS = 2_000;

/**
 * Fleet-wide fetch lock. Longer than a fetch (timeout plus Redis writes), so a live holder
 * never loses it; a crashed holder delays the others by at most this long.
 */
export const TOKEN_LOCK_TTL_MS = 3_000;

/** Longest a caller waits for a token before TOKEN_UNAVAILABLE (lock TTL + one fetch). */
export const TOKEN_MAX_WAIT_MS = TOKEN_LOCK_TTL_MS + 1_000;

/** Jittered poll interval of processes waiting for another one's fetch. */
export const TOKEN_POLL_MIN_MS = 20;
export const TOKEN_POLL_MAX_MS = 60;

/** After a failed fetch, callers fail fast for this long instead of hammering the endpoint. */
export const TOKEN_FAILURE_BACKOFF_MS = 1_000;

/** Safety margin before expiry: 60 s, or a quarter of short lifetimes. */
export const TOKEN_EXPIRY_MARGIN_MAX_S = 60;
export const TOKEN_EXPIRY_MARGIN_FRACTION = 0.25;

/** Share of the usable lifetime after which one background refresh starts. */
export const TOKEN_REFRESH_AHEAD_FRACTION = 0.75;

/** Lifetime assumed when the token response has no `expires_in` (RFC 6749 §5.1: optional). */
export const TOKEN_DEFAULT_EXPIRES_IN_S = 300;

/** JWT claim of a token that acts for one producer (a positive integer). */
export const PRODUCER_ID_CLAIM = 'producer_id';
