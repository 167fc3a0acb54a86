import { LRUCache } from 'lru-cache';
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { AppError } from '../errors/app.error';

/** Longest cursor accepted in a query string (GET /products; see openapi.json). */
export const MAX_CURSOR_LENGTH = 512;

/**
 * The position after the last row of a page: its sort key and id. `key` is null when the
 * key was too long to fit the cursor; the reader then resolves it from the row `id`.
 */
export interface CursorPosition {
  readonly key: string | null;
  readonly id: string;
}

interface CursorPayload {
  /** Format version. */
  v: 1;
  /** Hash of the query the cursor belongs to (sort, order, normalised filters). */
  q: string;
  k: string | null;
  i: string;
}

export class InvalidCursorError extends AppError {
  constructor(detail = 'The cursor is malformed, tampered with or belongs to another query') {
    // `errors` as in every other 400 about a query parameter.
    super('INVALID_CURSOR', detail, {
      extensions: { errors: [{ field: 'cursor', message: detail }] },
    });
  }
}

const ID_PATTERN = /^[1-9][0-9]{0,19}$/;
const BASE64URL = /^[A-Za-z0-9_-]+$/;

/** Recent hashes, so a repeated query (a cache hit) is not hashed again; bounded. */
const hashMemo = new LRUCache<string, string>({ max: 1_000 });

/** Stable short hash of a canonical query description, bound into every cursor. */
export function hashQuery(canonical: string): string {
  let hash = hashMemo.get(canonical);
  if (hash === undefined) {
    hash = createHash('sha256').update(canonical).digest('base64url').slice(0, 22);
    hashMemo.set(canonical, hash);
  }
  return hash;
}

/**
 * Opaque, signed keyset cursors: `base64url(json).base64url(hmac-sha256)`. The signature
 * covers the payload, which carries the query hash, so a cursor cannot be edited or
 * replayed against another sort, order or filter set.
 */
export class CursorCodec {
  constructor(private readonly signingKey: string) {}

  encode(queryHash: string, position: CursorPosition): string {
    const full = this.sign({ v: 1, q: queryHash, k: position.key, i: position.id });
    return full.length <= MAX_CURSOR_LENGTH
      ? full
      : this.sign({ v: 1, q: queryHash, k: null, i: position.id });
  }

  /** Returns the position, or throws InvalidCursorError for anything not minted here for `queryHash`. */
  decode(cursor: string, queryHash: string): CursorPosition {
    if (cursor.length === 0 || cursor.length > MAX_CURSOR_LENGTH) {
      throw new InvalidCursorError(`cursor must be 1 to ${MAX_CURSOR_LENGTH} characters`);
    }
    const dot = cursor.indexOf('.');
    const body = cursor.slice(0, dot);
    const signature = cursor.slice(dot + 1);
    if (dot <= 0 || !BASE64URL.test(body) || !BASE64URL.test(signature)) {
      throw new InvalidCursorError();
    }
    const expected = this.mac(body);
    const given = Buffer.from(signature, 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw new InvalidCursorError();
    }
    const payload = parsePayload(body);
    if (payload.q !== queryHash) {
      throw new InvalidCursorError(
        'The cursor belongs to a different sort, order or filter; start again without it',
      );
    }
    return { key: payload.k, id: payload.i };
  }

  private sign(payload: CursorPayload): string {
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return `${body}.${this.mac(body).toString('base64url')}`;
  }

  private mac(body: string): Buffer {
    return createHmac('sha256', this.signingKey).update(body).digest();
  }
}

function parsePayload(body: string): CursorPayload {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidCursorError();
  }
  const p = parsed as Partial<CursorPayload> | null;
  if (
    typeof p !== 'object' ||
    p === null ||
    p.v !== 1 ||
    typeof p.q !== 'string' ||
    !(p.k === null || typeof p.k === 'string') ||
    typeof p.i !== 'string' ||
    !ID_PATTERN.test(p.i)
  ) {
    throw new InvalidCursorError();
  }
  return { v: 1, q: p.q, k: p.k, i: p.i };
}
