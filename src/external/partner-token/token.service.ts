import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { withTimeout } from '../../common/async/with-timeout';
import { MetricsService } from '../../metrics';
import {
  TOKEN_FAILURE_BACKOFF_MS,
  TOKEN_MAX_WAIT_MS,
  TOKEN_POLL_MAX_MS,
  TOKEN_POLL_MIN_MS,
} from './partner-token.constants';
import { TokenUnavailableError } from './partner-token.errors';
import { CachedToken, cachedToken, isFresh, isUsable } from './cached-token';
import { OAuthTokenClient, TokenEndpointError } from './oauth-token.client';
import { TokenStore, TokenStoreUnavailableError } from './token.store';

/** What GET /auth/token/status reports; never the token itself. */
export interface TokenStatus {
  readonly cached: boolean;
  readonly expires_in: number | null;
  readonly fetched_at: string | null;
}

/** Another process holds the lock and no token appeared within the wait bound. */
class TokenWaitExpiredError extends Error {
  override readonly name = 'TokenWaitExpiredError';
}

/** Recently invalidated tokens, never adopted again from a stale copy. */
const REMEMBERED_INVALID_TOKENS = 16;

/**
 * The partner access token (OAuth2 client credentials), shared by every instance:
 * an in-process copy in front of Redis, one token request per expiry fleet-wide (an
 * in-process promise, then a Redis lock), refreshed in the background once most of its
 * lifetime has passed. Redis down → the same logic with the in-process copy only.
 */
@Injectable()
export class TokenService implements OnApplicationShutdown {
  private readonly logger = new Logger(TokenService.name);
  private local: CachedToken | null = null;
  private inflight: Promise<CachedToken> | null = null;
  private failedUntil = 0;
  private readonly invalidated: string[] = [];
  private closed = false;

  constructor(
    private readonly store: TokenStore,
    private readonly client: OAuthTokenClient,
    private readonly metrics: MetricsService,
  ) {}

  /** A valid bearer token for partner calls, or TokenUnavailableError (503) within a bound. */
  async getToken(): Promise<string> {
    const now = Date.now();
    const local = this.local;
    if (isUsable(local, now)) {
      if (!isFresh(local, now)) {
        this.refreshInBackground(local);
      }
      return local.accessToken;
    }
    if (now < this.failedUntil) {
      throw new TokenUnavailableError();
    }
    try {
      const token = await withTimeout(this.obtain(null), TOKEN_MAX_WAIT_MS, 'token wait');
      return token.accessToken;
    } catch {
      throw new TokenUnavailableError();
    }
  }

  /** Drops `token` (after a partner 401) only where it is still the cached one. */
  async invalidate(token: string): Promise<void> {
    this.invalidated.push(token);
    if (this.invalidated.length > REMEMBERED_INVALID_TOKENS) {
      this.invalidated.shift();
    }
    if (this.local?.accessToken === token) {
      this.local = null;
    }
    if (!this.store.available) {
      return;
    }
    try {
      await this.store.deleteIfCurrent(token);
    } catch (error) {
      this.logger.warn({ msg: 'Could not invalidate the shared token', err: error });
    }
  }

  async status(): Promise<TokenStatus> {
    const now = Date.now();
    let shared: CachedToken | null = null;
    if (this.store.available) {
      shared = await this.store.read().then(
        (state) => state.token,
        () => null,
      );
    }
    const candidates = [shared, this.local].filter((t): t is CachedToken =>
      this.acceptable(t, isUsable),
    );
    const best = candidates.sort((a, b) => b.expiresAt - a.expiresAt)[0] ?? null;
    if (!best) {
      return { cached: false, expires_in: null, fetched_at: null };
    }
    return {
      cached: true,
      expires_in: Math.max(0, Math.floor((best.expiresAt - now) / 1000)),
      fetched_at: new Date(best.fetchedAt).toISOString(),
    };
  }

  onApplicationShutdown(): void {
    this.closed = true;
  }

  private refreshInBackground(current: CachedToken): void {
    if (this.inflight || Date.now() < this.failedUntil || this.closed) {
      return;
    }
    this.obtain(current).catch(() => undefined);
  }

  /** One acquisition at a time per process; concurrent callers share it. */
  private obtain(refreshing: CachedToken | null): Promise<CachedToken> {
    if (!this.inflight) {
      this.inflight = this.acquire(refreshing ? isFresh : isUsable)
        .then((token) => this.adopt(token))
        .catch((error: unknown) => {
          this.failedUntil = Date.now() + TOKEN_FAILURE_BACKOFF_MS;
          throw error;
        })
        .finally(() => {
          this.inflight = null;
        });
    }
    return this.inflight;
  }

  private async acquire(accept: typeof isUsable): Promise<CachedToken> {
    if (this.closed) {
      throw new TokenWaitExpiredError('shutting down');
    }
    if (!this.store.available) {
      return this.fetchToken();
    }
    try {
      return await this.acquireShared(accept);
    } catch (error) {
      if (!(error instanceof TokenStoreUnavailableError)) {
        throw error;
      }
      this.logger.warn({ msg: 'Redis unavailable; fetching the partner token in-process' });
      return this.fetchToken();
    }
  }

  /** Cache, else lock and fetch, else wait for the lock holder's token; bounded. */
  private async acquireShared(accept: typeof isUsable): Promise<CachedToken> {
    const owner = randomUUID();
    const deadline = Date.now() + TOKEN_MAX_WAIT_MS;
    while (Date.now() < deadline && !this.closed) {
      const state = await this.store.read();
      if (this.acceptable(state.token, accept)) {
        return state.token;
      }
      if (state.failing) {
        throw new TokenWaitExpiredError('another instance just failed to fetch a token');
      }
      if (await this.store.tryLock(owner)) {
        return this.fetchUnderLock(owner, accept);
      }
      await sleep(TOKEN_POLL_MIN_MS + Math.random() * (TOKEN_POLL_MAX_MS - TOKEN_POLL_MIN_MS));
    }
    throw new TokenWaitExpiredError('no token appeared while another instance held the lock');
  }

  private async fetchUnderLock(owner: string, accept: typeof isUsable): Promise<CachedToken> {
    try {
      // Someone may have written a token between our read and our lock.
      const again = await this.store.read();
      if (this.acceptable(again.token, accept)) {
        return again.token;
      }
      let token: CachedToken;
      try {
        token = await this.fetchToken();
      } catch (error) {
        await this.store.markFailing().catch(() => undefined);
        throw error;
      }
      await this.store.write(token).catch(() => false);
      return token;
    } finally {
      await this.store.releaseLock(owner).catch(() => undefined);
    }
  }

  private async fetchToken(): Promise<CachedToken> {
    const startedAt = Date.now();
    try {
      const grant = await this.client.requestToken();
      this.metrics.tokenFetches.inc({ outcome: 'success' });
      this.logger.log({ msg: 'Partner access token fetched', expires_in: grant.expiresInS });
      return cachedToken(grant.accessToken, startedAt, grant.expiresInS);
    } catch (error) {
      const failure = error instanceof TokenEndpointError ? error : null;
      this.metrics.tokenFetches.inc({ outcome: failure?.reason ?? 'error' });
      this.logger.warn({
        msg: 'Partner token request failed',
        reason: failure?.reason ?? 'error',
        status: failure?.status ?? null,
        oauth_error: failure?.oauthError ?? null,
      });
      throw error;
    }
  }

  private acceptable(token: CachedToken | null, accept: typeof isUsable): token is CachedToken {
    return accept(token) && !this.invalidated.includes(token.accessToken);
  }

  private adopt(token: CachedToken): CachedToken {
    if (!this.local || token.expiresAt >= this.local.expiresAt) {
      this.local = token;
    }
    return token;
  }
}
