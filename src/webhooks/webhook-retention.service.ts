import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
} from '@nestjs/common';
import type Redis from 'ioredis';
import { RedisOwnerLock } from '../common/redis/owner-lock';
import { InjectRedis } from '../common/redis/redis.module';
import { WebhookEventStatus } from './webhook-event.entity';
import { WebhookEventsRepository } from './webhook-events.repository';
import {
  WEBHOOK_CLEANUP_BATCH_SIZE,
  WEBHOOK_CLEANUP_FIRST_RUN_MS,
  WEBHOOK_CLEANUP_INTERVAL_MS,
  WEBHOOK_CLEANUP_LOCK_KEY,
  WEBHOOK_CLEANUP_LOCK_TTL_MS,
  WEBHOOK_CLEANUP_MAX_BATCHES,
  WEBHOOK_RETENTION_DAYS,
  WEBHOOK_VERSION_RETENTION_DAYS,
} from './webhooks.constants';

const DAY_MS = 24 * 60 * 60 * 1000;
const SETTLED = [WebhookEventStatus.Processed, WebhookEventStatus.Ignored] as const;

export interface PurgeOptions {
  readonly batchSize?: number;
  readonly maxBatches?: number;
}

/**
 * Keeps settled event ids for WEBHOOK_RETENTION_DAYS (partners retry for days, and a
 * duplicate must still be recognised), then deletes them in bounded batches. One instance
 * at a time runs the cleanup every 5 minutes, under a Redis lock with an owner token; failed and
 * in-flight events are kept for inspection and redelivery. Applied versions older than
 * WEBHOOK_VERSION_RETENTION_DAYS go in the same run: no deliverable event orders before them.
 */
@Injectable()
export class WebhookRetentionService implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookRetentionService.name);
  private firstRun?: NodeJS.Timeout;
  private interval?: NodeJS.Timeout;
  private running?: Promise<unknown>;
  private stopped = false;
  private readonly lock: RedisOwnerLock;

  constructor(
    private readonly events: WebhookEventsRepository,
    @InjectRedis() redis: Redis,
  ) {
    this.lock = new RedisOwnerLock(redis, WEBHOOK_CLEANUP_LOCK_KEY, WEBHOOK_CLEANUP_LOCK_TTL_MS);
  }

  onApplicationBootstrap(): void {
    this.firstRun = setTimeout(() => this.tick(), WEBHOOK_CLEANUP_FIRST_RUN_MS).unref();
    this.interval = setInterval(() => this.tick(), WEBHOOK_CLEANUP_INTERVAL_MS).unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.firstRun);
    clearInterval(this.interval);
    await this.running;
  }

  /**
   * Deletes settled events settled before `cutoff`, `batchSize` rows per statement, until
   * none are left or `maxBatches` statements ran; returns how many rows went.
   */
  async purgeSettledBefore(cutoff: Date, options: PurgeOptions = {}): Promise<number> {
    const batchSize = options.batchSize ?? WEBHOOK_CLEANUP_BATCH_SIZE;
    let batches = options.maxBatches ?? WEBHOOK_CLEANUP_MAX_BATCHES;
    let total = 0;
    for (const status of SETTLED) {
      let deleted = batchSize;
      while (deleted === batchSize && batches > 0 && !this.stopped) {
        deleted = await this.events.deleteSettledBefore(status, cutoff, batchSize);
        total += deleted;
        batches -= 1;
      }
    }
    return total;
  }

  /**
   * Deletes applied versions recorded for event times before `cutoff`, in batches as
   * above; returns how many rows went.
   */
  async purgeVersionsBefore(cutoff: Date, options: PurgeOptions = {}): Promise<number> {
    const batchSize = options.batchSize ?? WEBHOOK_CLEANUP_BATCH_SIZE;
    let batches = options.maxBatches ?? WEBHOOK_CLEANUP_MAX_BATCHES;
    let total = 0;
    let deleted = batchSize;
    while (deleted === batchSize && batches > 0 && !this.stopped) {
      deleted = await this.events.deleteVersionsBefore(cutoff, batchSize);
      total += deleted;
      batches -= 1;
    }
    return total;
  }

  /** One cleanup run under the fleet-wide lock; false when another instance holds it. */
  async runOnce(now = new Date()): Promise<boolean> {
    const run = await this.lock.run(async () => {
      const cutoff = new Date(now.getTime() - WEBHOOK_RETENTION_DAYS * DAY_MS);
      const deleted = await this.purgeSettledBefore(cutoff);
      if (deleted > 0) {
        this.logger.log(
          `Deleted ${deleted} settled webhook event(s) older than ${cutoff.toISOString()}`,
        );
      }
      const versionCutoff = new Date(now.getTime() - WEBHOOK_VERSION_RETENTION_DAYS * DAY_MS);
      const versions = await this.purgeVersionsBefore(versionCutoff);
      if (versions > 0) {
        this.logger.log(
          `Deleted ${versions} applied webhook version(s) older than ${versionCutoff.toISOString()}`,
        );
      }
    });
    return run.acquired;
  }

  private tick(): void {
    if (this.stopped || this.running) {
      return;
    }
    this.running = this.runOnce()
      .catch((error: unknown) => this.logger.warn({ err: error }, 'Webhook cleanup failed'))
      .finally(() => (this.running = undefined));
  }
}
