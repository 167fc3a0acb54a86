/** `Retry-After` (RFC 9110 §10.2.3): seconds to wait, on 429, 503 and 409-in-progress answers. */
export const RETRY_AFTER = 'Retry-After';
