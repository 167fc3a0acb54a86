import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource, InjectRepository } from '@nestjs/typeorm';
import { createHash } from 'node:crypto';
import { DataSource, QueryRunner, Repository } from 'typeorm';
import { AppError } from '../common/errors/app.error';
import { externalConfig, ExternalConfig } from '../config/configuration';
import {
  SUBSCRIBED_EVENTS,
  SUBSCRIPTION_LOCK_PREFIX,
  SUBSCRIPTION_LOCK_TIMEOUT_S,
  WEBHOOK_RECEIVER_PATH,
} from './external.constants';
import { PartnerUnavailableError } from './external.errors';
import { PartnerClient } from './partner.client';
import { hasSecret, KeyedWebhook, PartnerWebhook } from './partner-data';
import { PartnerSubscription } from './partner-subscription.entity';
import { RETRY_AFTER } from '../common/http/http-headers';

export interface Registration {
  readonly subscription: PartnerSubscription;
  /** True when the partner subscription was created now, false when it already existed. */
  readonly created: boolean;
}

/**
 * Webhook subscriptions at the partner. Registration is idempotent across instances: it
 * runs under a MySQL named lock (released by the server if the holder's connection dies),
 * reuses the partner's subscription for our URL when there is one, and upserts the row
 * keyed by URL.
 */
@Injectable()
export class SubscriptionsService {
  private readonly logger = new Logger(SubscriptionsService.name);

  constructor(
    private readonly partner: PartnerClient,
    @InjectRepository(PartnerSubscription)
    private readonly subscriptions: Repository<PartnerSubscription>,
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(externalConfig.KEY) private readonly config: ExternalConfig,
  ) {}

  /** The URL the partner delivers our webhooks to. */
  get receiverUrl(): string {
    return `${this.config.publicBaseUrl}${WEBHOOK_RECEIVER_PATH}`;
  }

  async register(): Promise<Registration> {
    const url = this.receiverUrl;
    return this.withLock(url, async () => {
      const existing = await this.findAtPartner(url);
      if (existing) {
        return { subscription: await this.save(existing), created: false };
      }
      return { subscription: await this.save(await this.create(url)), created: true };
    });
  }

  async list(): Promise<PartnerSubscription[]> {
    return this.subscriptions.find({ order: { id: 'ASC' } });
  }

  /** Every stored subscription secret, read fresh so a new one is accepted at once. */
  async listSecrets(): Promise<string[]> {
    const rows = await this.subscriptions.find({ select: { id: true, secret: true } });
    return rows.map((row) => row.secret).filter((secret) => secret.length > 0);
  }

  /**
   * The partner's subscription for `url` covering our events, with its secret: from the
   * partner's list, or from our row when the list does not reveal secrets.
   */
  private async findAtPartner(url: string): Promise<KeyedWebhook | undefined> {
    const hook = (await this.partner.listWebhooks()).find(
      (candidate) =>
        candidate.url === url && SUBSCRIBED_EVENTS.every((e) => candidate.events.includes(e)),
    );
    if (!hook) {
      return undefined;
    }
    if (hasSecret(hook)) {
      return hook;
    }
    const stored = await this.subscriptions.findOne({
      where: { partnerId: hook.id },
      select: { id: true, secret: true },
    });
    if (stored?.secret) {
      return { ...hook, secret: stored.secret };
    }
    this.logger.warn('The partner subscription for our URL has an unknown secret; creating one');
    return undefined;
  }

  /**
   * Creates the partner subscription. The POST is not retried (the partner takes no
   * idempotency key), so when its outcome is unknown we look once more before giving up.
   */
  private async create(url: string): Promise<KeyedWebhook> {
    try {
      return await this.partner.createWebhook(url, SUBSCRIBED_EVENTS);
    } catch (error) {
      if (!(error instanceof PartnerUnavailableError)) {
        throw error;
      }
      const hooks: PartnerWebhook[] = await this.partner.listWebhooks().catch(() => []);
      const found = hooks.find((hook) => hook.url === url);
      if (found && hasSecret(found)) {
        return found;
      }
      throw error;
    }
  }

  private async save(hook: KeyedWebhook): Promise<PartnerSubscription> {
    await this.subscriptions.upsert(
      { partnerId: hook.id, url: hook.url, events: hook.events, secret: hook.secret },
      ['url'],
    );
    return this.subscriptions.findOneByOrFail({ url: hook.url });
  }

  private async withLock<T>(url: string, work: () => Promise<T>): Promise<T> {
    const scope = `${String(this.dataSource.options.database)}|${url}`;
    const name = `${SUBSCRIPTION_LOCK_PREFIX}${createHash('sha256').update(scope).digest('hex').slice(0, 32)}`;
    const runner = this.dataSource.createQueryRunner('master');
    try {
      await this.acquire(runner, name);
      try {
        return await work();
      } finally {
        await runner.query('SELECT RELEASE_LOCK(?)', [name]).catch(() => {
          this.logger.warn('Could not release the subscription lock; it ends with the connection');
        });
      }
    } finally {
      await runner.release();
    }
  }

  private async acquire(runner: QueryRunner, name: string): Promise<void> {
    const [row] = (await runner.query('SELECT GET_LOCK(?, ?) AS acquired', [
      name,
      SUBSCRIPTION_LOCK_TIMEOUT_S,
    ])) as { acquired: number | string | null }[];
    if (Number(row?.acquired) !== 1) {
      throw new AppError(
        'SERVICE_UNAVAILABLE',
        'Another subscription registration is in progress',
        {
          headers: { [RETRY_AFTER]: '1' },
        },
      );
    }
  }
}
