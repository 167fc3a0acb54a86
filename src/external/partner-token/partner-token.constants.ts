/** Retry-After (seconds) on 503 answers when no partner token can be obtained. */
export const TOKEN_RETRY_AFTER_S = 5;

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
