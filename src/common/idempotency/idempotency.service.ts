import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, randomBytes } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { isDatabaseUnavailable } from '../database/database-errors';
import { keepLeaseAlive, LEASE_S } from '../database/lease-heartbeat';
import { AppError, ValidationProblemError } from '../errors/app.error';
import { canonicalJson } from './canonical-json';

export const IDEMPOTENCY_KEY_HEADER = 'idempotency-key';
export const IDEMPOTENT_REPLAYED_HEADER = 'idempotent-replayed';
/** Key format (RELIABILITY.md §1); an RFC 8941 sf-string may also arrive quoted. */
export const IDEMPOTENCY_KEY_PATTERN = /^[A-Za-z0-9_.:-]{1,255}$/;
/** How long a stored response is replayed; also the published expiry policy. */
export const IDEMPOTENCY_TTL_S = 24 * 60 * 60;
/**
 * How long a claim blocks others before a crashed holder's key can be taken over; renewed
 * while the request runs (see LEASE_S for the sizing).
 */
export const IDEMPOTENCY_LOCK_S = LEASE_S;
const PURGE_PROBABILITY = 0.01;
const PURGE_BATCH = 500;
const MAX_CLAIM_ROUNDS = 5;

/** Who is asking for what: keys are unique per principal, method and route template. */
export interface IdempotencyScope {
  readonly principal: string;
  readonly method: string;
  readonly route: string;
}

/** A response exactly as it was (or will be) sent, kept for replay. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

export interface IdempotentOutcome {
  readonly replayed: boolean;
  readonly response: StoredResponse;
}

interface KeyRow {
  id: string;
  fingerprint: string;
  status: 'in_progress' | 'completed';
  lock_token: string | null;
  locked: number | string;
  expired: number | string;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
}

interface Claim {
  readonly id: string;
  readonly lockToken: string;
}

export class IdempotencyKeyInUseError extends AppError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_IN_USE',
      'A request with this Idempotency-Key is still being processed; retry shortly',
      { headers: { 'Retry-After': '1' } },
    );
  }
}

export class IdempotencyKeyMismatchError extends AppError {
  constructor() {
    super(
      'IDEMPOTENCY_KEY_MISMATCH',
      'This Idempotency-Key was used with a different request body; use a new key',
    );
  }
}

/** Parses the Idempotency-Key header: undefined when absent, 400 when malformed. */
export function parseIdempotencyKey(header: string | string[] | undefined): string | undefined {
  if (header === undefined) {
    return undefined;
  }
  const raw = Array.isArray(header) ? '' : header.trim();
  const key = raw.length >= 2 && raw.startsWith('"') && raw.endsWith('"') ? raw.slice(1, -1) : raw;
  if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
    const message = 'Idempotency-Key must be 1 to 255 characters of A-Z a-z 0-9 _ . : -';
    throw new ValidationProblemError([{ field: 'Idempotency-Key', message }], message);
  }
  return key;
}

/**
 * Inbound Idempotency-Key handling (RELIABILITY.md §1, IETF idempotency-key draft): the
 * key is claimed by INSERT on (scope, key); the business change and the stored response
 * commit in one transaction; a completed key replays its response for 24 h; a different
 * body is 422; a claim still in flight is 409. Failures release the claim, so a retry
 * runs again instead of replaying an error.
 */
@Injectable()
export class IdempotencyService {
  private readonly logger = new Logger(IdempotencyService.name);

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async execute(
    scope: IdempotencyScope,
    key: string | undefined,
    payload: unknown,
    work: (manager: EntityManager) => Promise<StoredResponse>,
  ): Promise<IdempotentOutcome> {
    if (key === undefined) {
      return { replayed: false, response: await this.dataSource.transaction(work) };
    }
    const scopeHash = sha256(`${scope.principal}\n${scope.method}\n${scope.route}`);
    const fingerprint = sha256(`${scope.method}\n${scope.route}\n${canonicalJson(payload)}`);
    for (let round = 0; round < MAX_CLAIM_ROUNDS; round += 1) {
      const claim = await this.tryClaim(scope, scopeHash, key, fingerprint);
      if (claim === null) {
        const existing = await this.find(scopeHash, key);
        const replay = existing && (await this.resolveConflict(existing, fingerprint));
        if (replay && 'response' in replay) {
          return replay;
        }
        if (replay && 'claim' in replay) {
          return { replayed: false, response: await this.complete(replay.claim, work) };
        }
        continue;
      }
      return { replayed: false, response: await this.complete(claim, work) };
    }
    throw new IdempotencyKeyInUseError();
  }

  private async tryClaim(
    scope: IdempotencyScope,
    scopeHash: string,
    key: string,
    fingerprint: string,
  ): Promise<Claim | null> {
    const lockToken = randomBytes(16).toString('hex');
    // INSERT IGNORE: a taken key is the expected outcome here, not an error to log.
    const result = await this.dataSource.query<{ insertId: number | string; affectedRows: number }>(
      `INSERT IGNORE INTO idempotency_keys
         (scope_hash, idempotency_key, principal, method, route, fingerprint, status,
          lock_token, locked_until, expires_at)
       VALUES (?, ?, ?, ?, ?, ?, 'in_progress', ?,
         NOW(3) + INTERVAL ${IDEMPOTENCY_LOCK_S} SECOND,
         NOW(3) + INTERVAL ${IDEMPOTENCY_TTL_S} SECOND)`,
      [scopeHash, key, scope.principal, scope.method, scope.route, fingerprint, lockToken],
    );
    if (result.affectedRows !== 1) {
      return null;
    }
    this.maybePurge();
    return { id: String(result.insertId), lockToken };
  }

  private async find(scopeHash: string, key: string): Promise<KeyRow | null> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT id, fingerprint, status, lock_token, locked_until > NOW(3) AS locked,
              expires_at <= NOW(3) AS expired, response_status, response_headers, response_body
         FROM idempotency_keys WHERE scope_hash = ? AND idempotency_key = ?`,
      [scopeHash, key],
    );
    return rows[0] ?? null;
  }

  /** A replay, a taken-over claim, or null to try claiming again. */
  private async resolveConflict(
    row: KeyRow,
    fingerprint: string,
  ): Promise<IdempotentOutcome | { claim: Claim } | null> {
    if (Number(row.expired) === 1) {
      await this.dataSource.query(
        'DELETE FROM idempotency_keys WHERE id = ? AND expires_at <= NOW(3)',
        [row.id],
      );
      return null;
    }
    if (row.fingerprint !== fingerprint) {
      throw new IdempotencyKeyMismatchError();
    }
    if (row.status === 'completed') {
      return {
        replayed: true,
        response: {
          status: Number(row.response_status),
          headers: JSON.parse(row.response_headers ?? '{}') as Record<string, string>,
          body: row.response_body ?? '',
        },
      };
    }
    if (Number(row.locked) === 1) {
      throw new IdempotencyKeyInUseError();
    }
    const lockToken = randomBytes(16).toString('hex');
    const result = await this.dataSource.query<{ affectedRows: number }>(
      `UPDATE idempotency_keys
          SET lock_token = ?, locked_until = NOW(3) + INTERVAL ${IDEMPOTENCY_LOCK_S} SECOND
        WHERE id = ? AND status = 'in_progress' AND lock_token <=> ?`,
      [lockToken, row.id, row.lock_token],
    );
    return result.affectedRows === 1 ? { claim: { id: row.id, lockToken } } : null;
  }

  private async complete(
    claim: Claim,
    work: (manager: EntityManager) => Promise<StoredResponse>,
  ): Promise<StoredResponse> {
    const stopRenewing = keepLeaseAlive(() =>
      this.dataSource.query(
        `UPDATE idempotency_keys
            SET locked_until = NOW(3) + INTERVAL ${IDEMPOTENCY_LOCK_S} SECOND
          WHERE id = ? AND status = 'in_progress' AND lock_token = ?`,
        [claim.id, claim.lockToken],
      ),
    );
    try {
      return await this.dataSource.transaction(async (manager) => {
        const response = await work(manager);
        const result = await manager.query<{ affectedRows: number }>(
          `UPDATE idempotency_keys
              SET status = 'completed', lock_token = NULL, locked_until = NULL,
                  response_status = ?, response_headers = ?, response_body = ?
            WHERE id = ? AND status = 'in_progress' AND lock_token = ?`,
          [
            response.status,
            JSON.stringify(response.headers),
            response.body,
            claim.id,
            claim.lockToken,
          ],
        );
        if (result.affectedRows !== 1) {
          throw new IdempotencyKeyInUseError();
        }
        return response;
      });
    } catch (error) {
      stopRenewing();
      // With the database away, releasing would only wait on it too: the claim's lease
      // runs out instead, and a retry takes the key over.
      if (!isDatabaseUnavailable(error)) {
        await this.dataSource
          .query(
            `DELETE FROM idempotency_keys WHERE id = ? AND status = 'in_progress' AND lock_token = ?`,
            [claim.id, claim.lockToken],
          )
          .catch((releaseError: unknown) =>
            this.logger.warn(`Could not release an idempotency key: ${String(releaseError)}`),
          );
      }
      throw error;
    } finally {
      stopRenewing();
    }
  }

  private maybePurge(): void {
    if (Math.random() >= PURGE_PROBABILITY) {
      return;
    }
    this.dataSource
      .query(`DELETE FROM idempotency_keys WHERE expires_at < NOW(3) LIMIT ${PURGE_BATCH}`)
      .catch((error: unknown) =>
        this.logger.warn(`Idempotency key purge failed: ${String(error)}`),
      );
  }
}

function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
