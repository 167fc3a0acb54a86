import { Injectable, Logger } from '@nestjs/common';
import Redis from 'ioredis';
import { AppError } from '../common/errors/app.error';
import { InjectRedis } from '../common/redis/redis.module';
import { ITEM_CACHE_TTL_S, itemCacheKey } from './external.constants';
import { PartnerUnavailableError } from './external.errors';
import { PartnerClient } from './partner.client';
import { PartnerItem, toPartnerItem } from './partner-data';

export type ItemSource = 'live' | 'stale';

export interface ItemLookup {
  readonly item: PartnerItem;
  readonly source: ItemSource;
}

/**
 * Partner items, live when the partner answers, else the last good copy from Redis.
 * The copy is best-effort: with Redis down the live path works unchanged.
 */
@Injectable()
export class PartnerItemsService {
  private readonly logger = new Logger(PartnerItemsService.name);

  constructor(
    private readonly partner: PartnerClient,
    @InjectRedis() private readonly redis: Redis,
  ) {}

  async getItem(id: string): Promise<ItemLookup> {
    try {
      const item = await this.partner.getItem(id);
      this.remember(item);
      return { item, source: 'live' };
    } catch (error) {
      if (!isUnreachable(error)) {
        throw error;
      }
      const stale = await this.lastGoodCopy(id);
      if (stale) {
        return { item: stale, source: 'stale' };
      }
      throw error;
    }
  }

  private remember(item: PartnerItem): void {
    this.redis
      .set(itemCacheKey(item.id), JSON.stringify(item), 'EX', ITEM_CACHE_TTL_S)
      .catch((error: Error) => this.logger.warn(`Could not cache partner item: ${error.message}`));
  }

  private async lastGoodCopy(id: string): Promise<PartnerItem | null> {
    try {
      const raw = await this.redis.get(itemCacheKey(id));
      return raw === null ? null : toPartnerItem(JSON.parse(raw), id);
    } catch (error) {
      this.logger.warn(`No stale copy of a partner item: ${(error as Error).message}`);
      return null;
    }
  }
}

/** The partner could not be reached (as opposed to answering "no" or nonsense). */
function isUnreachable(error: unknown): boolean {
  return (
    error instanceof PartnerUnavailableError ||
    (error instanceof AppError && error.code === 'TOKEN_UNAVAILABLE')
  );
}
