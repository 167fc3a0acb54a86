/**
 * Every problem type the API can answer with (RFC 9457). `type` URIs are stable and
 * documented; `title` is the same for every occurrence of a type, `detail` varies.
 */
export const PROBLEM_BASE_URI = 'https://farmlokal.example/problems/';

export const PROBLEMS = {
  VALIDATION_FAILED: { status: 400, slug: 'validation-failed', title: 'Request validation failed' },
  MALFORMED_JSON: { status: 400, slug: 'malformed-json', title: 'Malformed JSON body' },
  MALFORMED_REQUEST: { status: 400, slug: 'malformed-request', title: 'Malformed HTTP request' },
  INVALID_CURSOR: { status: 400, slug: 'invalid-cursor', title: 'Invalid pagination cursor' },
  UNAUTHORIZED: { status: 401, slug: 'unauthorized', title: 'Authentication required' },
  INVALID_WEBHOOK_SIGNATURE: {
    status: 401,
    slug: 'invalid-webhook-signature',
    title: 'Webhook signature verification failed',
  },
  INSUFFICIENT_SCOPE: { status: 403, slug: 'insufficient-scope', title: 'Insufficient scope' },
  NOT_FOUND: { status: 404, slug: 'not-found', title: 'Resource not found' },
  PRODUCT_NOT_FOUND: { status: 404, slug: 'product-not-found', title: 'Product not found' },
  PRODUCER_NOT_FOUND: { status: 404, slug: 'producer-not-found', title: 'Producer not found' },
  PARTNER_ITEM_NOT_FOUND: {
    status: 404,
    slug: 'partner-item-not-found',
    title: 'Partner item not found',
  },
  METHOD_NOT_ALLOWED: { status: 405, slug: 'method-not-allowed', title: 'Method not allowed' },
  REQUEST_TIMEOUT: { status: 408, slug: 'request-timeout', title: 'Request timeout' },
  DUPLICATE_SKU: { status: 409, slug: 'duplicate-sku', title: 'A product with this SKU exists' },
  IDEMPOTENCY_KEY_IN_USE: {
    status: 409,
    slug: 'idempotency-key-in-use',
    title: 'A request with this idempotency key is in progress',
  },
  WEBHOOK_IN_PROGRESS: {
    status: 409,
    slug: 'webhook-in-progress',
    title: 'This event is being processed',
  },
  PAYLOAD_TOO_LARGE: { status: 413, slug: 'payload-too-large', title: 'Request body too large' },
  URI_TOO_LONG: { status: 414, slug: 'uri-too-long', title: 'URI too long' },
  UNSUPPORTED_MEDIA_TYPE: {
    status: 415,
    slug: 'unsupported-media-type',
    title: 'Unsupported media type',
  },
  IDEMPOTENCY_KEY_MISMATCH: {
    status: 422,
    slug: 'idempotency-key-mismatch',
    title: 'Idempotency key reused with a different request',
  },
  RATE_LIMITED: { status: 429, slug: 'rate-limited', title: 'Too many requests' },
  HEADER_FIELDS_TOO_LARGE: {
    status: 431,
    slug: 'header-fields-too-large',
    title: 'Request header fields too large',
  },
  INTERNAL: { status: 500, slug: 'internal', title: 'Internal server error' },
  WEBHOOK_PROCESSING_FAILED: {
    status: 500,
    slug: 'webhook-processing-failed',
    title: 'Webhook processing failed',
  },
  PARTNER_BAD_RESPONSE: {
    status: 502,
    slug: 'partner-bad-response',
    title: 'Partner answered with an error',
  },
  PARTNER_UNAVAILABLE: {
    status: 503,
    slug: 'partner-unavailable',
    title: 'Partner temporarily unavailable',
  },
  TOKEN_UNAVAILABLE: {
    status: 503,
    slug: 'token-unavailable',
    title: 'Partner access token unavailable',
  },
  SERVICE_UNAVAILABLE: {
    status: 503,
    slug: 'service-unavailable',
    title: 'Service temporarily unavailable',
  },
} as const satisfies Record<string, ProblemDefinition>;

export interface ProblemDefinition {
  readonly status: number;
  readonly slug: string;
  readonly title: string;
}

export type ProblemCode = keyof typeof PROBLEMS;

export const problemTypeUri = (code: ProblemCode): string =>
  `${PROBLEM_BASE_URI}${PROBLEMS[code].slug}`;
