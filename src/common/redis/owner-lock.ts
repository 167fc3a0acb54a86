import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';

/** Deletes the key only while it still holds the caller's token. */
const RELEASE_IF_OWNER = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`;

/**
 * A fleet-wide lock in Redis that only its owner releases: taken with
 * `SET key <owner> NX PX <ttl>`, given back by a compare-and-delete script, so a holder
 * whose TTL ran out never frees the lock another instance has taken since. The TTL bounds
 * how long a crashed holder blocks the others.
 */
export class RedisOwnerLock {
  constructor(
    private readonly redis: Redis,
    readonly key: string,
    private readonly ttlMs: number,
  ) {}

  /** True when `owner` now holds the lock. */
  async tryAcquire(owner: string): Promise<boolean> {
    return (await this.redis.set(this.key, owner, 'PX', this.ttlMs, 'NX')) === 'OK';
  }

  /** Releases the lock if `owner` still holds it; true when it did. */
  async release(owner: string): Promise<boolean> {
    return (await this.redis.eval(RELEASE_IF_OWNER, 1, this.key, owner)) === 1;
  }

  /** Runs `work` under the lock with a fresh owner token; `acquired: false` when it is taken. */
  async run<T>(
    work: () => Promise<T>,
  ): Promise<{ acquired: true; value: T } | { acquired: false }> {
    const owner = randomUUID();
    if (!(await this.tryAcquire(owner))) {
      return { acquired: false };
    }
    try {
      return { acquired: true, value: await work() };
    } finally {
      await this.release(owner);
    }
  }
}
