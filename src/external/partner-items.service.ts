import { Injectable, Logger } from '@nestjs/common';
import { AppError } from '../common/errors/app.error';
import { PartnerUnavailableError } from './external.errors';
import { PartnerClient } from './partner.client';
import { PartnerItem, toPartnerItem } from './partner-data';
import { PartnerItemCopies } from './partner-item-copies';

export type ItemSource = 'live' | 'stale';

export interface ItemLookup {
  readonly item: PartnerItem;
  readonly source: ItemSource;
}

/**
 * Partner items, live when the partner answers, else the last good copy from Redis
 * (PartnerItemCopies, bounded in count and age). The copy is best-effort: with Redis down
 * the live path works unchanged.
 */
@Injectable()
export class PartnerItemsService {
  private readonly logger = new Logger(PartnerItemsService.name);

  constructor(
    private readonly partner: PartnerClient,
    private readonly copies: PartnerItemCopies,
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
    this.copies
      .write(item.id, JSON.stringify(item))
      .catch((error: Error) => this.logger.warn(`Could not cache partner item: ${error.message}`));
  }

  private async lastGoodCopy(id: string): Promise<PartnerItem | null> {
    try {
      const raw = await this.copies.read(id);
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
