import { createHmac, timingSafeEqual } from 'node:crypto';
import { WEBHOOK_TOLERANCE_S } from './webhooks.constants';

const SECRET_PREFIX = 'whsec_';
const SIGNATURE_VERSION = 'v1';
const HMAC_SHA256_BYTES = 32;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
/** Printable ASCII without `.`, which separates the parts of the signed content. */
const WEBHOOK_ID = /^[\x21-\x2d\x2f-\x7e]{1,255}$/;
const UNIX_SECONDS = /^\d{1,12}$/;

/** The three Standard Webhooks headers of one delivery, as received. */
export interface StandardWebhookHeaders {
  readonly id?: string;
  readonly timestamp?: string;
  readonly signature?: string;
}

export type VerificationFailure =
  | 'missing_headers'
  | 'invalid_id'
  | 'invalid_timestamp'
  | 'timestamp_out_of_tolerance'
  | 'no_matching_signature';

export type VerificationResult =
  | { readonly ok: true; readonly id: string; readonly timestamp: number }
  | { readonly ok: false; readonly reason: VerificationFailure };

export interface VerifyOptions {
  /** Current time in unix seconds (injected so tests can use fixed vectors). */
  readonly nowS: number;
  readonly toleranceS?: number;
}

/**
 * The HMAC keys of a secret. `whsec_<base64>` → the decoded bytes (Standard Webhooks).
 * A secret without the prefix is used as its own UTF-8 bytes; when it is also valid base64
 * its decoded bytes are tried as well, which is how the reference libraries read it.
 */
export function webhookKeys(secret: string): Buffer[] {
  if (secret.startsWith(SECRET_PREFIX)) {
    const key = Buffer.from(secret.slice(SECRET_PREFIX.length), 'base64');
    return key.length > 0 ? [key] : [];
  }
  if (secret.length === 0) {
    return [];
  }
  const keys = [Buffer.from(secret, 'utf8')];
  if (BASE64.test(secret)) {
    keys.push(Buffer.from(secret, 'base64'));
  }
  return keys;
}

function hmac(key: Buffer, id: string, timestamp: string, rawBody: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(rawBody).digest();
}

/** `v1,<base64>` for the given secret, id, timestamp and exact body bytes. */
export function signStandardWebhook(
  secret: string,
  id: string,
  timestamp: number | string,
  rawBody: Buffer | string,
): string {
  const [key] = webhookKeys(secret);
  if (!key) {
    throw new Error('Cannot sign with an empty secret');
  }
  const body = typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody;
  return `${SIGNATURE_VERSION},${hmac(key, id, String(timestamp), body).toString('base64')}`;
}

/** The `v1` signatures of a `webhook-signature` header; other versions are ignored. */
function v1Signatures(header: string): Buffer[] {
  return header
    .split(' ')
    .map((part) => part.trim())
    .filter((part) => part.startsWith(`${SIGNATURE_VERSION},`))
    .map((part) => part.slice(SIGNATURE_VERSION.length + 1))
    .filter((encoded) => BASE64.test(encoded))
    .map((encoded) => Buffer.from(encoded, 'base64'))
    .filter((signature) => signature.length === HMAC_SHA256_BYTES);
}

/** What a rejected delivery is told, per failure (the problem `detail`). */
export const VERIFICATION_FAILURE_DETAILS: Record<VerificationFailure, string> = {
  missing_headers:
    'webhook-id, webhook-timestamp and webhook-signature (or svix-id, svix-timestamp and ' +
    'svix-signature) are required',
  invalid_id: 'webhook-id is not a valid event id',
  invalid_timestamp: 'webhook-timestamp must be unix seconds',
  timestamp_out_of_tolerance: 'webhook-timestamp is more than 5 minutes from now',
  no_matching_signature: 'No webhook-signature matches the body',
};

export type HeaderCheckResult =
  | {
      readonly ok: true;
      readonly id: string;
      readonly timestamp: number;
      /** The well-formed `v1` signatures of the header, decoded. */
      readonly candidates: Buffer[];
    }
  | { readonly ok: false; readonly reason: VerificationFailure };

/**
 * Everything that can be checked without the body: the three headers are present, the id
 * and timestamp are well-formed, the timestamp is within the tolerance, and at least one
 * `v1` signature has the shape of an HMAC-SHA256. Run before the body is read, so a
 * delivery that cannot verify never costs a body upload.
 */
export function checkWebhookHeaders(
  headers: StandardWebhookHeaders,
  options: VerifyOptions,
): HeaderCheckResult {
  const { id, timestamp, signature } = headers;
  if (!id || !timestamp || !signature) {
    return { ok: false, reason: 'missing_headers' };
  }
  if (!WEBHOOK_ID.test(id)) {
    return { ok: false, reason: 'invalid_id' };
  }
  if (!UNIX_SECONDS.test(timestamp)) {
    return { ok: false, reason: 'invalid_timestamp' };
  }
  const timestampS = Number(timestamp);
  if (Math.abs(options.nowS - timestampS) > (options.toleranceS ?? WEBHOOK_TOLERANCE_S)) {
    return { ok: false, reason: 'timestamp_out_of_tolerance' };
  }
  const candidates = v1Signatures(signature);
  if (candidates.length === 0) {
    return { ok: false, reason: 'no_matching_signature' };
  }
  return { ok: true, id, timestamp: timestampS, candidates };
}

/**
 * Verifies a Standard Webhooks v1 delivery over its raw body: the headers must pass
 * `checkWebhookHeaders`, and one `v1` signature of the header must match the HMAC-SHA256
 * of `{id}.{timestamp}.{body}` under one of the secrets (rotation). Comparison is
 * constant-time. Pure: no I/O, the clock is a parameter.
 */
export function verifyStandardWebhook(
  headers: StandardWebhookHeaders,
  rawBody: Buffer,
  secrets: readonly string[],
  options: VerifyOptions,
): VerificationResult {
  const checked = checkWebhookHeaders(headers, options);
  if (!checked.ok) {
    return checked;
  }
  const { id, timestamp, candidates } = checked;
  const signed = String(headers.timestamp);
  for (const secret of secrets) {
    for (const key of webhookKeys(secret)) {
      const expected = hmac(key, id, signed, rawBody);
      if (candidates.some((candidate) => timingSafeEqual(candidate, expected))) {
        return { ok: true, id, timestamp };
      }
    }
  }
  return { ok: false, reason: 'no_matching_signature' };
}
