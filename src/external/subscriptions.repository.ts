import { Injectable } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, Repository } from 'typeorm';
import { withNamedLock } from '../common/database/named-lock';
import { SUBSCRIPTION_LOCK_PREFIX, SUBSCRIPTION_LOCK_TIMEOUT_S } from './external.constants';
import type { KeyedWebhook } from './partner-data';
import { PartnerSubscription } from './partner-subscription.entity';

/** The stored partner webhook subscriptions (table `partner_subscriptions`). */
@Injectable()
export class SubscriptionsRepository {
  constructor(
    @InjectRepository(PartnerSubscription)
    private readonly subscriptions: Repository<PartnerSubscription>,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  /** Every stored subscription, oldest first, without secrets. */
  list(): Promise<PartnerSubscription[]> {
    return this.subscriptions.find({ order: { id: 'ASC' } });
  }

  /** Every stored, non-empty signing secret. */
  async listSecrets(): Promise<string[]> {
    const rows = await this.subscriptions.find({ select: { id: true, secret: true } });
    return rows.map((row) => row.secret).filter((secret) => secret.length > 0);
  }

  /** The stored secret of the partner's subscription `partnerId`, if we have one. */
  async findSecret(partnerId: string): Promise<string | null> {
    const stored = await this.subscriptions.findOne({
      where: { partnerId },
      select: { id: true, secret: true },
    });
    return stored?.secret || null;
  }

  /** Inserts or updates the row of `hook.url` and returns it. */
  async save(hook: KeyedWebhook): Promise<PartnerSubscription> {
    await this.subscriptions.upsert(
      { partnerId: hook.id, url: hook.url, events: hook.events, secret: hook.secret },
      ['url'],
    );
    return this.subscriptions.findOneByOrFail({ url: hook.url });
  }

  /**
   * Runs `work` under a MySQL named lock for `url` in this database, so that instances
   * registering the same URL at once do it one after another (NamedLockTimeoutError when
   * the lock stays taken).
   */
  withRegistrationLock<T>(url: string, work: () => Promise<T>): Promise<T> {
    const scope = `${String(this.dataSource.options.database)}|${url}`;
    const name = `${SUBSCRIPTION_LOCK_PREFIX}${createHash('sha256').update(scope).digest('hex').slice(0, 32)}`;
    return withNamedLock(this.dataSource, name, SUBSCRIPTION_LOCK_TIMEOUT_S, work);
  }
}
