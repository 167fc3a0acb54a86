import { Inject, Injectable, Logger } from '@nestjs/common';
import type Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { isDatabaseBusy, isDatabaseUnavailable } from '../common/database/database-errors';
import { keepLeaseAlive } from '../common/database/lease-heartbeat';
import { UnitOfWork } from '../common/database/unit-of-work';
import { AppError } from '../common/errors/app.error';
import { jsonNestsDeeperThan, tooDeepError } from '../common/http/strict-json';
import { InjectRedis } from '../common/redis/redis.module';
import { webhooksConfig, WebhooksConfig } from '../config/configuration';
import { SubscriptionsService } from '../external';
import { MetricsService } from '../metrics';
import { ProductChange, ProductsService } from '../products';
import { interpretPartnerEvent } from './partner-event';
import {
  StandardWebhookHeaders,
  VERIFICATION_FAILURE_DETAILS,
  verifyStandardWebhook,
} from './standard-webhook.verifier';
import { WebhookEventStatus } from './webhook-event.entity';
import { WebhookEventsRepository } from './webhook-events.repository';
import {
  WEBHOOK_DONE_TTL_S,
  WEBHOOK_ERROR_MAX_LENGTH,
  WEBHOOK_LEASE_S,
  webhookDoneKey,
  WebhookOutcome,
} from './webhooks.constants';
import { RETRY_AFTER } from '../common/http/http-headers';

export type WebhookAckStatus = 'processed' | 'duplicate' | 'ignored';

export interface WebhookDelivery {
  readonly headers: StandardWebhookHeaders;
  /** The request body exactly as received. */
  readonly rawBody: Buffer;
}

type SettledStatus = WebhookEventStatus.Processed | WebhookEventStatus.Ignored;

/** Thrown inside the processing transaction when another delivery took the event over. */
class LeaseLostError extends Error {}

/**
 * Partner webhook deliveries: Standard Webhooks verification, a durable MySQL inbox and an
 * exactly-once effect. The inbox row is claimed by INSERT (or a compare-and-set takeover
 * of a failed or abandoned one); the catalog change and the final status commit in one
 * transaction fenced by the lease owner.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    private readonly events: WebhookEventsRepository,
    private readonly products: ProductsService,
    private readonly subscriptions: SubscriptionsService,
    private readonly metrics: MetricsService,
    private readonly unitOfWork: UnitOfWork,
    @InjectRedis() private readonly redis: Redis,
    @Inject(webhooksConfig.KEY) private readonly config: WebhooksConfig,
  ) {}

  async receive(
    delivery: WebhookDelivery,
    nowS = Math.floor(Date.now() / 1000),
  ): Promise<WebhookAckStatus> {
    const { id, timestamp } = await this.verify(delivery, nowS);
    const text = delivery.rawBody.toString('utf8');
    const payload = this.parse(text);
    if (await this.knownDone(id)) {
      return this.answer('duplicate');
    }
    const owner = randomUUID();
    const type = typeof payload.type === 'string' ? payload.type.slice(0, 100) : null;
    let stored = text;
    if (
      !(await this.events.insertClaimed(
        { eventId: id, type, payload: text },
        owner,
        WEBHOOK_LEASE_S,
      ))
    ) {
      const taken = await this.takeOverOrAnswer(id, owner);
      if (taken.answer) {
        return taken.answer;
      }
      stored = taken.payload;
    }
    const stopRenewing = keepLeaseAlive(() => this.events.renewLease(id, owner, WEBHOOK_LEASE_S));
    try {
      return await this.process(
        id,
        owner,
        stored === text ? payload : this.parse(stored),
        timestamp,
      );
    } finally {
      stopRenewing();
    }
  }

  private async verify(
    delivery: WebhookDelivery,
    nowS: number,
  ): Promise<{ id: string; timestamp: number }> {
    const check = (secrets: readonly string[]) =>
      verifyStandardWebhook(delivery.headers, delivery.rawBody, secrets, { nowS });
    let result = check(this.config.secret ? [this.config.secret] : []);
    if (!result.ok && result.reason === 'no_matching_signature') {
      result = check(await this.subscriptions.listSecrets());
    }
    if (!result.ok) {
      this.record('invalid_signature');
      throw new AppError('INVALID_WEBHOOK_SIGNATURE', VERIFICATION_FAILURE_DETAILS[result.reason]);
    }
    return result;
  }

  private parse(text: string): Record<string, unknown> {
    if (jsonNestsDeeperThan(text)) {
      this.record('malformed');
      throw tooDeepError();
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch {
      this.record('malformed');
      throw new AppError('MALFORMED_JSON', 'The body is not valid JSON');
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.record('malformed');
      throw new AppError('MALFORMED_JSON', 'The body must be a JSON object');
    }
    return value as Record<string, unknown>;
  }

  /**
   * The event is already stored: a settled one is a duplicate, a leased one is in progress
   * (409, retry later), and a failed or abandoned one is taken over by compare-and-set.
   */
  private async takeOverOrAnswer(
    eventId: string,
    owner: string,
  ): Promise<{ answer: WebhookAckStatus; payload?: never } | { answer?: never; payload: string }> {
    const state = await this.events.findState(eventId);
    if (
      state?.status === WebhookEventStatus.Processed ||
      state?.status === WebhookEventStatus.Ignored
    ) {
      return { answer: this.answer('duplicate') };
    }
    if (state && !(state.status === WebhookEventStatus.Processing && state.leaseRemainingMs > 0)) {
      if (await this.events.takeOver(eventId, owner, WEBHOOK_LEASE_S)) {
        return { payload: state.payload };
      }
      const after = await this.events.findState(eventId);
      if (
        after?.status === WebhookEventStatus.Processed ||
        after?.status === WebhookEventStatus.Ignored
      ) {
        return { answer: this.answer('duplicate') };
      }
      return this.inProgress(after?.leaseRemainingMs ?? WEBHOOK_LEASE_S * 1000);
    }
    return this.inProgress(state?.leaseRemainingMs ?? WEBHOOK_LEASE_S * 1000);
  }

  private inProgress(leaseRemainingMs: number): never {
    this.record('in_progress');
    const retryAfterS = Math.min(WEBHOOK_LEASE_S, Math.max(1, Math.ceil(leaseRemainingMs / 1000)));
    throw new AppError('WEBHOOK_IN_PROGRESS', 'Another delivery of this event is being processed', {
      headers: { [RETRY_AFTER]: String(retryAfterS) },
    });
  }

  private async process(
    eventId: string,
    owner: string,
    payload: Record<string, unknown>,
    webhookTimestampS: number,
  ): Promise<WebhookAckStatus> {
    const effect = interpretPartnerEvent(payload, webhookTimestampS);
    let status: SettledStatus;
    let change: ProductChange | null = null;
    try {
      status = await this.unitOfWork.run(async (tx): Promise<SettledStatus> => {
        if (!(await this.events.lockOwned(tx, eventId, owner))) {
          throw new LeaseLostError();
        }
        let result = WebhookEventStatus.Ignored as SettledStatus;
        change = null;
        let note = effect.kind === 'ignore' ? effect.reason : null;
        if (effect.kind === 'update') {
          // The product row is locked first: versions are recorded only for products that
          // exist, and every event for one sku takes the two locks in the same order.
          if (!(await this.products.lockPartnerProduct(tx, effect.sku))) {
            note = 'unknown sku';
          } else if (
            !(await this.events.claimNewestVersion(
              tx,
              effect.sku,
              effect.field,
              effect.eventTime,
              eventId,
            ))
          ) {
            note = `a newer ${effect.field} update was applied already`;
          } else {
            change = await this.products.applyPartnerChange(tx, effect.sku, effect.patch);
            if (change === null) {
              note = 'unknown sku';
            } else {
              result = WebhookEventStatus.Processed;
            }
          }
        }
        await this.events.settle(tx, eventId, owner, result, note);
        return result;
      });
    } catch (error) {
      if (error instanceof LeaseLostError) {
        return this.inProgress(WEBHOOK_LEASE_S * 1000);
      }
      return this.fail(eventId, owner, error);
    }
    if (status === WebhookEventStatus.Processed && change !== null) {
      await this.products.publishChanges([change]).catch((error: unknown) => {
        this.logger.warn({ err: error, event_id: eventId }, 'Listing invalidation failed');
      });
    }
    await this.redis
      .set(webhookDoneKey(eventId), status, 'EX', WEBHOOK_DONE_TTL_S)
      .catch(() => undefined);
    return this.answer(status === WebhookEventStatus.Processed ? 'processed' : 'ignored');
  }

  private async fail(eventId: string, owner: string, error: unknown): Promise<never> {
    if (isDatabaseUnavailable(error)) {
      // Recording the failure would wait on the same database: the lease runs out instead,
      // and the error is answered as a 503 with Retry-After.
      this.record('failed');
      throw error;
    }
    // Lost to concurrent transactions on every run: marked failed like any failure, so the
    // retry takes it over at once, and answered as a 503 with Retry-After.
    const busy = isDatabaseBusy(error);
    const message = error instanceof Error ? error.message : String(error);
    this.logger[busy ? 'warn' : 'error'](
      { err: error, event_id: eventId },
      busy ? 'Webhook processing lost to contention' : 'Webhook processing failed',
    );
    await this.events
      .markFailed(eventId, owner, message.slice(0, WEBHOOK_ERROR_MAX_LENGTH))
      .catch((markError: unknown) => {
        this.logger.error({ err: markError, event_id: eventId }, 'Could not mark event failed');
      });
    this.record('failed');
    if (busy) {
      throw error;
    }
    throw new AppError(
      'WEBHOOK_PROCESSING_FAILED',
      'The event could not be processed; deliver it again later',
    );
  }

  /** Redis fast path for settled events; the inbox stays authoritative when Redis is away. */
  private async knownDone(eventId: string): Promise<boolean> {
    const value = await this.redis.get(webhookDoneKey(eventId)).catch(() => null);
    return value !== null;
  }

  private answer(status: WebhookAckStatus): WebhookAckStatus {
    this.record(status);
    return status;
  }

  private record(outcome: WebhookOutcome): void {
    this.metrics.webhookEvents.inc({ outcome });
  }
}
