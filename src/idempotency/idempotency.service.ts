import { Injectable, Logger } from '@nestjs/common';
import { createHash, randomBytes } from 'node:crypto';
import { isDatabaseUnavailable } from '../common/database/database-errors';
import { Transaction, UnitOfWork } from '../common/database/unit-of-work';
import { canonicalJson } from './canonical-json';
import { IdempotencyKeyInUseError, IdempotencyKeyMismatchError } from './idempotency.errors';
import {
  Claim,
  IdempotencyKeysRepository,
  StoredKey,
  StoredResponse,
} from './idempotency-keys.repository';

export type { StoredResponse } from './idempotency-keys.repository';

const PURGE_PROBABILITY = 0.01;
const PURGE_BATCH = 500;
const MAX_CLAIM_ROUNDS = 5;

/**
 * Who is asking for what: keys are unique per principal (and whom it acts for), method and
 * route template.
 */
export interface IdempotencyScope {
  readonly principal: string;
  /**
   * The party a delegated caller acts for (e.g. `producer:7`), when its credentials say so:
   * the same principal acting for another party has keys of its own.
   */
  readonly actingFor?: string;
  readonly method: string;
  readonly route: string;
}

/**
 * The scope's hash. Without `actingFor` it is the text the keys stored so far were hashed
 * from; with it, a JSON array, which no text of the first form (ending in the route) equals.
 */
function scopeHashOf(scope: IdempotencyScope): string {
  return scope.actingFor === undefined
    ? sha256(`${scope.principal}\n${scope.method}\n${scope.route}`)
    : sha256(JSON.stringify([scope.principal, scope.actingFor, scope.method, scope.route]));
}

/** A write that may carry an Idempotency-Key, as the HTTP edge describes it. */
export interface IdempotentRequest<T> {
  readonly scope: IdempotencyScope;
  /** The parsed Idempotency-Key header; undefined when none was sent. */
  readonly key?: string;
  /** The request body as received, fingerprinted for reuse checks. */
  readonly payload: unknown;
  /** The response the edge sends for the write's result; it is what replays return. */
  readonly render: (result: T) => StoredResponse;
}

export interface IdempotentOutcome {
  readonly replayed: boolean;
  readonly response: StoredResponse;
}

/**
 * Inbound Idempotency-Key handling (IETF idempotency-key draft): the key is claimed by
 * inserting its record; the write and the stored response commit in one transaction; a
 * completed key replays its response for 24 h; a different body is 422; a claim still in
 * flight is 409. Failures release the claim, so a retry runs again instead of replaying
 * an error.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(
    private readonly keys: IdempotencyKeysRepository,
    private readonly unitOfWork: UnitOfWork,
  ) {}

  async execute<T>(
    request: IdempotentRequest<T>,
    work: (tx: Transaction) => Promise<T>,
  ): Promise<IdempotentOutcome> {
    const { scope, key, payload } = request;
    if (key === undefined) {
      const response = await this.unitOfWork.run((tx) => work(tx).then(request.render));
      return { replayed: false, response };
    }
    const scopeHash = scopeHashOf(scope);
    const fingerprint = sha256(`${scope.method}\n${scope.route}\n${canonicalJson(payload)}`);
    const newKey = {
      principal: scope.principal,
      method: scope.method,
      route: scope.route,
      scopeHash,
      key,
      fingerprint,
    };
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const claim = await this.keys.claim(newKey, newLockToken());
      if (claim !== null) {
        this.maybePurge();
        return { replayed: false, response: await this.complete(claim, request, work) };
      }
      const existing = await this.keys.find(scopeHash, key);
      const resolved = existing && (await this.resolveConflict(existing, fingerprint));
      if (resolved && 'response' in resolved) {
        return resolved;
      }
      if (resolved && 'claim' in resolved) {
        return { replayed: false, response: await this.complete(resolved.claim, request, work) };
      }
    }
    throw new IdempotencyKeyInUseError();
  }

  /** A replay, a taken-over claim, or null to try claiming again. */
  private async resolveConflict(
    stored: StoredKey,
    fingerprint: string,
  ): Promise<IdempotentOutcome | { claim: Claim } | null> {
    if (stored.expired) {
      await this.keys.deleteExpired(stored.id);
      return null;
    }
    if (stored.fingerprint !== fingerprint) {
      throw new IdempotencyKeyMismatchError();
    }
    if (stored.response !== null) {
      return { replayed: true, response: stored.response };
    }
    if (stored.locked) {
      throw new IdempotencyKeyInUseError();
    }
    const claim = await this.keys.takeOver(stored.id, newLockToken());
    return claim === null ? null : { claim };
  }

  private async complete<T>(
    claim: Claim,
    request: IdempotentRequest<T>,
    work: (tx: Transaction) => Promise<T>,
  ): Promise<StoredResponse> {
    try {
      return await this.unitOfWork.run(async (tx) => {
        if (!(await this.keys.holds(tx, claim))) {
          throw new IdempotencyKeyInUseError();
        }
        const response = request.render(await work(tx));
        await this.keys.complete(tx, claim, response);
        return response;
      });
    } catch (error) {
      // With the database away, releasing would only wait on it too: the claim's lease
      // runs out instead, and a retry takes the key over.
      if (!isDatabaseUnavailable(error)) {
        await this.keys
          .release(claim)
          .catch((releaseError: unknown) =>
            this.logger.warn(`Could not release an idempotency key: ${String(releaseError)}`),
          );
      }
      throw error;
    }
  }

  private maybePurge(): void {
    if (Math.random() >= PURGE_PROBABILITY) {
      return;
    }
    this.keys
      .purgeExpired(PURGE_BATCH)
      .catch((error: unknown) =>
        this.logger.warn(`Idempotency key purge failed: ${String(error)}`),
      );
  }
}

function newLockToken(): string {
  return randomBytes(16).toString('hex');
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
