import { Inject, Injectable } from '@nestjs/common';
import Redis, { Result } from 'ioredis';
import { InjectRedis } from '../common/redis/redis.module';
import { externalConfig, ExternalConfig } from '../config/configuration';
import {
  ITEM_CACHE_TTL_S,
  ITEM_COPIES_EXPIRY_BATCH,
  ITEM_COPIES_KEY,
  ITEM_COPIES_ORDER_KEY,
} from './external.constants';

/**
 * Writes one copy and trims the set, atomically. KEYS[1] hash id → JSON, KEYS[2] sorted set
 * id → write time (ms). ARGV: id, JSON, now (ms), max items, lifetime (ms), expiry batch.
 * Copies older than the lifetime go first (at most a batch per call), then the least
 * recently written ones beyond the maximum.
 */
const WRITE_COPY = `
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], ARGV[3], ARGV[1])
local cutoff = tonumber(ARGV[3]) - tonumber(ARGV[5])
local expired = redis.call('ZRANGEBYSCORE', KEYS[2], '-inf', '(' .. cutoff, 'LIMIT', 0, tonumber(ARGV[6]))
for _, id in ipairs(expired) do
  redis.call('HDEL', KEYS[1], id)
  redis.call('ZREM', KEYS[2], id)
end
local excess = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if excess > 0 then
  local evicted = redis.call('ZPOPMIN', KEYS[2], excess)
  for i = 1, #evicted, 2 do
    redis.call('HDEL', KEYS[1], evicted[i])
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[5])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
return excess`;

declare module 'ioredis' {
  interface RedisCommander<Context> {
    writePartnerItemCopy(
      copies: string,
      order: string,
      id: string,
      json: string,
      nowMs: number,
      maxItems: number,
      lifetimeMs: number,
      expiryBatch: number,
    ): Result<number, Context>;
  }
}

/**
 * The last good copy of partner items, bounded: at most PARTNER_ITEM_CACHE_MAX_ITEMS items
 * (least recently fetched evicted first), each for at most ITEM_CACHE_TTL_S. Two Redis keys
 * in one hash slot (Cluster-safe): a hash of copies and a sorted set of their write times.
 */
@Injectable()
export class PartnerItemCopies {
  private readonly lifetimeMs = ITEM_CACHE_TTL_S * 1000;

  constructor(
    @InjectRedis() private readonly redis: Redis,
    @Inject(externalConfig.KEY) private readonly config: ExternalConfig,
  ) {
    this.redis.defineCommand('writePartnerItemCopy', { numberOfKeys: 2, lua: WRITE_COPY });
  }

  /** Stores `json` as the copy of `id`; resolves with how many copies were evicted. */
  async write(id: string, json: string, nowMs = Date.now()): Promise<number> {
    const evicted = await this.redis.writePartnerItemCopy(
      ITEM_COPIES_KEY,
      ITEM_COPIES_ORDER_KEY,
      id,
      json,
      nowMs,
      this.config.itemCopiesMax,
      this.lifetimeMs,
      ITEM_COPIES_EXPIRY_BATCH,
    );
    return Math.max(0, evicted);
  }

  /** The copy of `id` when there is one younger than its lifetime, else null. */
  async read(id: string, nowMs = Date.now()): Promise<string | null> {
    const results = await this.redis
      .multi()
      .hget(ITEM_COPIES_KEY, id)
      .zscore(ITEM_COPIES_ORDER_KEY, id)
      .exec();
    const [json, writtenAt] = (results ?? []).map(([error, value]) => {
      if (error) {
        throw error;
      }
      return value as string | null;
    });
    if (json === null || writtenAt === null || nowMs - Number(writtenAt) > this.lifetimeMs) {
      return null;
    }
    return json;
  }
}
