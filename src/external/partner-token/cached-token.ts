import {
  TOKEN_EXPIRY_MARGIN_FRACTION,
  TOKEN_EXPIRY_MARGIN_MAX_S,
  TOKEN_REFRESH_AHEAD_FRACTION,
} from './partner-token.constants';

/** An access token with the times that govern its reuse (epoch milliseconds). */
export interface CachedToken {
  readonly accessToken: string;
  /** When the request that obtained it was sent (a conservative start of its lifetime). */
  readonly fetchedAt: number;
  /** When the issuer says it expires: fetchedAt + expires_in. */
  readonly expiresAt: number;
  /** Last moment it is handed out: expiresAt minus the safety margin. */
  readonly usableUntil: number;
  /** From here on, one background refresh is started while it is still handed out. */
  readonly refreshAt: number;
}

/** Computes the reuse window of a token obtained at `fetchedAt` with `expiresInS`. */
export function cachedToken(
  accessToken: string,
  fetchedAt: number,
  expiresInS: number,
): CachedToken {
  const lifetimeMs = expiresInS * 1000;
  const marginMs = Math.min(
    TOKEN_EXPIRY_MARGIN_MAX_S * 1000,
    lifetimeMs * TOKEN_EXPIRY_MARGIN_FRACTION,
  );
  const usableMs = lifetimeMs - marginMs;
  return {
    accessToken,
    fetchedAt,
    expiresAt: fetchedAt + lifetimeMs,
    usableUntil: fetchedAt + usableMs,
    refreshAt: fetchedAt + Math.floor(usableMs * TOKEN_REFRESH_AHEAD_FRACTION),
  };
}

export const isUsable = (token: CachedToken | null, now = Date.now()): token is CachedToken =>
  token !== null && now < token.usableUntil;

export const isFresh = (token: CachedToken | null, now = Date.now()): token is CachedToken =>
  token !== null && now < token.refreshAt;

/** Wire form in Redis (snake_case JSON, as read by the compare-and-set script). */
export function serializeToken(token: CachedToken): string {
  return JSON.stringify({
    access_token: token.accessToken,
    fetched_at: token.fetchedAt,
    expires_at: token.expiresAt,
    usable_until: token.usableUntil,
    refresh_at: token.refreshAt,
  });
}

export function deserializeToken(raw: string | null): CachedToken | null {
  if (raw === null) {
    return null;
  }
  try {
    const value = JSON.parse(raw) as Record<string, unknown>;
    const fields = ['fetched_at', 'expires_at', 'usable_until', 'refresh_at'] as const;
    if (
      typeof value.access_token !== 'string' ||
      fields.some((f) => typeof value[f] !== 'number')
    ) {
      return null;
    }
    return {
      accessToken: value.access_token,
      fetchedAt: value.fetched_at as number,
      expiresAt: value.expires_at as number,
      usableUntil: value.usable_until as number,
      refreshAt: value.refresh_at as number,
    };
  } catch {
    return null;
  }
}
