import type { Logger } from '@nestjs/common';
import type { CacheStore } from './cache-store';
import { newGenerationId } from './generation';
import type { GenerationTracker } from './generation-tracker';

const BUMP_RETRY_MS = 500;
const BUMP_RETRY_ATTEMPTS = 120;

/** Why a generation was bumped: a write, or Redis having lost or rolled it back. */
export type BumpReason = 'write' | 'reset';

export interface GenerationBumpsHooks {
  /** Called before every bump (opens the subscriber connection, once). */
  readonly connect: () => void;
  /** Drops the in-process entries of `namespace`. */
  readonly forget: (namespace: string) => void;
  readonly failed: (operation: string, error: unknown) => void;
  /** A bump was stored (metrics). */
  readonly bumped?: (namespace: string, reason: BumpReason) => void;
}

/**
 * Bumps the generations of cache namespaces in Redis: the new value is adopted here as
 * soon as the bump returns. When Redis cannot take the bump, this instance drops its
 * in-process entries of the namespace and the bump is retried in the background (every
 * BUMP_RETRY_MS, BUMP_RETRY_ATTEMPTS times, one retry loop per namespace).
 */
export class GenerationBumps {
  private readonly pendingBumps = new Set<string>();
  private readonly resetting = new Set<string>();

  constructor(
    private readonly store: CacheStore,
    private readonly generations: GenerationTracker,
    private readonly logger: Logger,
    private readonly hooks: GenerationBumpsHooks,
  ) {}

  async bumpOrRetry(namespace: string, reason: BumpReason): Promise<void> {
    this.hooks.connect();
    try {
      await this.bump(namespace, reason);
    } catch (error) {
      this.hooks.forget(namespace);
      this.hooks.failed('invalidate', error);
      this.retryBump(namespace, reason);
    }
  }

  /**
   * Redis lost or rolled back the namespace's generation: entries held here are dropped
   * and a generation above every one seen is stored, so that pages cached before the loss
   * can never be served again (one re-bump at a time per namespace).
   */
  reset(namespace: string): void {
    this.hooks.forget(namespace);
    if (this.resetting.has(namespace)) {
      return;
    }
    this.logger.warn(`Cache generation of "${namespace}" lost or rolled back in Redis; bumping it`);
    this.resetting.add(namespace);
    void this.bumpOrRetry(namespace, 'reset').finally(() => this.resetting.delete(namespace));
  }

  private async bump(namespace: string, reason: BumpReason): Promise<void> {
    const generation = await this.store.bump(
      namespace,
      this.generations.floor(namespace),
      newGenerationId(),
    );
    this.generations.advance(namespace, generation);
    this.hooks.bumped?.(namespace, reason);
  }

  private retryBump(namespace: string, reason: BumpReason, attempt = 1): void {
    if (attempt === 1 && this.pendingBumps.has(namespace)) {
      return;
    }
    this.pendingBumps.add(namespace);
    const timer = setTimeout(() => {
      this.bump(namespace, reason).then(
        () => this.pendingBumps.delete(namespace),
        () => {
          if (attempt < BUMP_RETRY_ATTEMPTS) {
            this.retryBump(namespace, reason, attempt + 1);
          } else {
            this.pendingBumps.delete(namespace);
          }
        },
      );
    }, BUMP_RETRY_MS);
    timer.unref();
  }
}
