import { Inject, Injectable, Logger } from '@nestjs/common';
import { NamedLockTimeoutError } from '../common/database/named-lock';
import { AppError } from '../common/errors/app.error';
import { externalConfig, ExternalConfig } from '../config/configuration';
import { SUBSCRIBED_EVENTS, WEBHOOK_RECEIVER_PATH } from './external.constants';
import { PartnerUnavailableError } from './external.errors';
import { PartnerClient } from './partner.client';
import { hasSecret, KeyedWebhook, PartnerWebhook } from './partner-data';
import type { PartnerSubscription } from './partner-subscription.entity';
import { SubscriptionsRepository } from './subscriptions.repository';
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
    private readonly subscriptions: SubscriptionsRepository,
    @Inject(externalConfig.KEY) private readonly config: ExternalConfig,
  ) {}

  /** The URL the partner delivers our webhooks to. */
  get receiverUrl(): string {
    return `${this.config.publicBaseUrl}${WEBHOOK_RECEIVER_PATH}`;
  }

  async register(): Promise<Registration> {
    const url = this.receiverUrl;
    const registration = this.subscriptions.withRegistrationLock(url, async () => {
      const existing = await this.findAtPartner(url);
      if (existing) {
        return { subscription: await this.subscriptions.save(existing), created: false };
      }
      const created = await this.create(url);
      return { subscription: await this.subscriptions.save(created), created: true };
    });
    return registration.catch((error: unknown) => {
      if (error instanceof NamedLockTimeoutError) {
        throw new AppError(
          'SERVICE_UNAVAILABLE',
          'Another subscription registration is in progress',
          { headers: { [RETRY_AFTER]: '1' } },
        );
      }
      throw error;
    });
  }

  list(): Promise<PartnerSubscription[]> {
    return this.subscriptions.list();
  }

  /** Every stored subscription secret, read fresh so a new one is accepted at once. */
  listSecrets(): Promise<string[]> {
    return this.subscriptions.listSecrets();
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
    const secret = await this.subscriptions.findSecret(hook.id);
    if (secret) {
      return { ...hook, secret };
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
}
