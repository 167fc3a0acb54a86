import { Inject, Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type Redis from 'ioredis';
import { RedisOwnerLock } from '../../common/redis/owner-lock';
import { InjectRedis } from '../../common/redis/redis.module';
import { authConfig, AuthConfig } from '../../config/configuration';
import { TOKEN_FAILURE_BACKOFF_MS, TOKEN_LOCK_TTL_MS } from './partner-token.constants';
import { CachedToken, deserializeToken, serializeToken } from './cached-token';
import { normalizeScope } from './oauth-token.client';

/** Stores the token only if it expires later than the stored one; clears the failure flag. */
const WRITE_IF_NEWER = `
local current = redis.call('GET', KEYS[1])
if current then
  local ok, stored = pcall(cjson.decode, current)
  if ok and type(stored) == 'table' and tonumber(stored.expires_at)
      and tonumber(stored.expires_at) >= tonumber(ARGV[2]) then
    return 0
  end
end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[3])
redis.call('DEL', KEYS[2])
return 1`;

/** Deletes the cached token only while it is still the given one. */
const DELETE_IF_TOKEN = `
local current = redis.call('GET', KEYS[1])
if not current then return 0 end
local ok, stored = pcall(cjson.decode, current)
if ok and type(stored) == 'table' and stored.access_token == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/** Raised when Redis cannot answer, so the caller falls back to in-process behaviour. */
export class TokenStoreUnavailableError extends Error {
  override readonly name = 'TokenStoreUnavailableError';
}

/** What the fleet-wide cache holds right now. */
export interface StoredState {
  readonly token: CachedToken | null;
  /** Some instance's fetch failed moments ago: fail fast rather than hit the endpoint again. */
  readonly failing: boolean;
}

/**
 * Redis key suffix of one client registration: token URL, client id, audience, scopes and
 * (only when set, so other keys stay as they were) the resource indicator.
 */
export function tokenKeySuffix(oauth: AuthConfig['oauth']): string {
  const parts = [oauth.tokenUrl, oauth.clientId, oauth.audience, normalizeScope(oauth.scope)];
  if (oauth.resource) {
    parts.push(oauth.resource);
  }
  return parts.map(encodeURIComponent).join(':');
}

/**
 * The fleet-shared half of the token cache: the token itself, the fetch lock and a short
 * failure flag, all in Redis (REDIS_KEY_PREFIX is added by the client, also to EVAL keys).
 */
@Injectable()
export class TokenStore {
  readonly tokenKey: string;
  readonly lockKey: string;
  readonly failureKey: string;
  private readonly lock: RedisOwnerLock;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @Inject(authConfig.KEY) config: AuthConfig,
  ) {
    const suffix = tokenKeySuffix(config.oauth);
    // One hash tag for the three keys: the scripts and MGET that touch two of them must
    // find them in one Redis Cluster slot.
    const tag = `{oauth:${createHash('sha1').update(suffix).digest('hex')}}`;
    this.tokenKey = `${tag}:tok`;
    this.lockKey = `${tag}:lock`;
    this.failureKey = `${tag}:fail`;
    this.lock = new RedisOwnerLock(redis, this.lockKey, TOKEN_LOCK_TTL_MS);
  }

  /** False while Redis is disconnected: callers skip it instead of waiting for timeouts. */
  get available(): boolean {
    return this.redis.status === 'ready';
  }

  async read(): Promise<StoredState> {
    const [token, failing] = await this.call(() => this.redis.mget(this.tokenKey, this.failureKey));
    return { token: deserializeToken(token), failing: failing !== null };
  }

  /** `SET lock <owner> NX PX <ttl>`: true when this caller now holds the fetch lock. */
  async tryLock(owner: string): Promise<boolean> {
    return this.call(() => this.lock.tryAcquire(owner));
  }

  async releaseLock(owner: string): Promise<void> {
    await this.call(() => this.lock.release(owner));
  }

  /** Writes the token until its usable end, unless a later-expiring one is stored already. */
  async write(token: CachedToken): Promise<boolean> {
    const ttlMs = Math.max(1, Math.floor(token.usableUntil - Date.now()));
    const written = await this.call(() =>
      this.redis.eval(
        WRITE_IF_NEWER,
        2,
        this.tokenKey,
        this.failureKey,
        serializeToken(token),
        String(token.expiresAt),
        String(ttlMs),
      ),
    );
    return written === 1;
  }

  async markFailing(): Promise<void> {
    await this.call(() => this.redis.set(this.failureKey, '1', 'PX', TOKEN_FAILURE_BACKOFF_MS));
  }

  /** Drops the cached token if it is still `accessToken`; true when something was deleted. */
  async deleteIfCurrent(accessToken: string): Promise<boolean> {
    const deleted = await this.call(() =>
      this.redis.eval(DELETE_IF_TOKEN, 1, this.tokenKey, accessToken),
    );
    return deleted === 1;
  }

  private async call<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch {
      // Not chained: ioredis errors carry the command arguments, which may include a token.
      throw new TokenStoreUnavailableError('Redis did not answer the token cache command');
    }
  }
}
