import pino from 'pino';

export const REDACTED = '[redacted]';

/**
 * Keys whose values never reach a log line, at any depth and inside arrays: credentials,
 * and `parameters`/`sql` of database errors (TypeORM's QueryFailedError carries the bound
 * values of the failed statement, mysql2's error the statement with the values inlined).
 */
const SECRET_KEYS = new Set(
  [
    'authorization',
    'cookie',
    'set-cookie',
    'webhook-signature',
    'svix-signature',
    'x-api-key',
    'access_token',
    'accesstoken',
    'refresh_token',
    'refreshtoken',
    'id_token',
    'client_secret',
    'clientsecret',
    'secret',
    'password',
    'token',
    'parameters',
    'sql',
  ].map((key) => key.toLowerCase()),
);
/** Secrets recognisable by their form wherever they appear in a string. */
const SECRET_VALUES: [RegExp, string][] = [
  [/whsec_[A-Za-z0-9+/=]+/g, `whsec_${REDACTED}`],
  [/\bBearer\s+[A-Za-z0-9\-._~+/]+=*/gi, `Bearer ${REDACTED}`],
];
const MAX_DEPTH = 8;

function scrubString(value: string): string {
  let out = value;
  for (const [pattern, replacement] of SECRET_VALUES) {
    out = out.replace(pattern, replacement);
  }
  return out;
}

/**
 * A copy of `value` fit for a log line: secret keys censored at every depth (arrays
 * included), Errors serialised first (so their own properties are covered), secret-looking
 * strings masked, and anything deeper than MAX_DEPTH levels cut.
 */
export function redactDeep(value: unknown, depth = 0, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') {
    return scrubString(value);
  }
  if (typeof value !== 'object' || value === null) {
    return value;
  }
  if (seen.has(value)) {
    return '[circular]';
  }
  if (depth >= MAX_DEPTH) {
    return '[nested too deep]';
  }
  seen.add(value);
  const source = value instanceof Error ? pino.stdSerializers.err(value) : value;
  if (Array.isArray(source)) {
    return source.map((item) => redactDeep(item, depth + 1, seen));
  }
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source as Record<string, unknown>)) {
    copy[key] = SECRET_KEYS.has(key.toLowerCase()) ? REDACTED : redactDeep(item, depth + 1, seen);
  }
  return copy;
}

/**
 * `formatters.log` of the logger: every field through `redactDeep`, except an Error under
 * `err`, which pino's `err` serializer (`serializeError`) handles next with its class name.
 */
export function redactLogObject(object: Record<string, unknown>): Record<string, unknown> {
  const copy: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(object)) {
    copy[key] = SECRET_KEYS.has(key.toLowerCase())
      ? REDACTED
      : key === 'err' && value instanceof Error
        ? value
        : redactDeep(value, 1);
  }
  return copy;
}

/** pino's `err` serializer, then `redactDeep` over the result (its `cause` chain included). */
export function serializeError(error: unknown): unknown {
  return redactDeep(error instanceof Error ? pino.stdSerializers.err(error) : error);
}

const MAX_QUERY_PARAMS = 20;
const PLAIN_NAME = /^[A-Za-z0-9_.[\]-]{1,40}$/;

/**
 * The request URL as logged: the path, and the query string's parameter names with every
 * value replaced (`/products?limit=…&token=…`). Tokens and personal data put in query
 * strings never reach the log; the matched route is logged beside it.
 */
export function loggableUrl(url: string): string {
  const at = url.indexOf('?');
  if (at < 0) {
    return url;
  }
  const names = url
    .slice(at + 1)
    .split('&')
    .filter(Boolean)
    .slice(0, MAX_QUERY_PARAMS)
    .map((pair) => {
      const name = pair.split('=')[0];
      // A bare `?abc` is a value in effect, and a name can be one too: only plain names stay.
      return pair.includes('=') && PLAIN_NAME.test(name) ? `${name}=…` : '…';
    });
  return `${url.slice(0, at)}?${names.join('&')}`;
}
