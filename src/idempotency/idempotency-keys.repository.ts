import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { LeasedRows } from '../common/database/leased-rows';
import { managerOf, Transaction } from '../common/database/unit-of-work';
import { IDEMPOTENCY_LOCK_S, IDEMPOTENCY_TTL_S } from './idempotency.constants';

/** A response exactly as it was (or will be) sent, kept for replay. */
export interface StoredResponse {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** A key this process holds: the row and the lease token that fences its completion. */
export interface Claim {
  readonly id: string;
  readonly lockToken: string;
}

/** A new key: who asks for what, and the fingerprint of the request. */
export interface NewKey {
  readonly scopeHash: string;
  readonly key: string;
  readonly principal: string;
  readonly method: string;
  readonly route: string;
  readonly fingerprint: string;
}

/** What a request finds stored under its key. */
export interface StoredKey {
  readonly id: string;
  readonly fingerprint: string;
  /** The stored response once the first request completed. */
  readonly response: StoredResponse | null;
  /** Whether a holder's lease is still running. */
  readonly locked: boolean;
  /** Past IDEMPOTENCY_TTL_S: the key may be used afresh. */
  readonly expired: boolean;
}

interface KeyRow {
  id: string;
  fingerprint: string;
  status: 'in_progress' | 'completed';
  locked: number | string;
  expired: number | string;
  response_status: number | null;
  response_headers: string | null;
  response_body: string | null;
}

const IN_PROGRESS = 'in_progress';
const COMPLETED = 'completed';

/** The `idempotency_keys` table: one row per (scope, key), leased while its request runs. */
@Injectable()
export class IdempotencyKeysRepository {
  private readonly leases = new LeasedRows({
    table: 'idempotency_keys',
    key: 'id',
    keyIndex: 'PRIMARY',
    status: 'status',
    owner: 'lock_token',
    leaseUntil: 'locked_until',
    active: IN_PROGRESS,
  });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Claims a new key for `lockToken`; null when the key is stored already. */
  async claim(key: NewKey, lockToken: string): Promise<Claim | null> {
    // INSERT IGNORE: a taken key is the expected outcome here, not an error to log.
    const { claimed, insertId } = await this.leases.insertClaimed(
      this.dataSource,
      {
        scope_hash: key.scopeHash,
        idempotency_key: key.key,
        principal: key.principal,
        method: key.method,
        route: key.route,
        fingerprint: key.fingerprint,
        expires_at: { secondsFromNow: IDEMPOTENCY_TTL_S },
      },
      lockToken,
      IDEMPOTENCY_LOCK_S,
    );
    return claimed ? { id: insertId, lockToken } : null;
  }

  async find(scopeHash: string, key: string): Promise<StoredKey | null> {
    const rows = await this.dataSource.query<KeyRow[]>(
      `SELECT id, fingerprint, status, locked_until > NOW(3) AS locked,
              expires_at <= NOW(3) AS expired, response_status, response_headers, response_body
         FROM idempotency_keys WHERE scope_hash = ? AND idempotency_key = ?`,
      [scopeHash, key],
    );
    const row = rows[0];
    if (!row) {
      return null;
    }
    return {
      id: row.id,
      fingerprint: row.fingerprint,
      locked: Number(row.locked) === 1,
      expired: Number(row.expired) === 1,
      response:
        row.status === COMPLETED
          ? {
              status: Number(row.response_status),
              headers: JSON.parse(row.response_headers ?? '{}') as Record<string, string>,
              body: row.response_body ?? '',
            }
          : null,
    };
  }

  /** Deletes the row `id` if it has expired (it is then claimed afresh). */
  async deleteExpired(id: string): Promise<void> {
    await this.dataSource.query(
      'DELETE FROM idempotency_keys WHERE id = ? AND expires_at <= NOW(3)',
      [id],
    );
  }

  /** Takes over a key whose holder's lease ran out; null when someone else got it. */
  async takeOver(id: string, lockToken: string): Promise<Claim | null> {
    const taken = await this.leases.takeOver(this.dataSource, id, lockToken, IDEMPOTENCY_LOCK_S);
    return taken ? { id, lockToken } : null;
  }

  /** Inside the request's transaction: locks the row while `claim` still holds it. */
  holds(tx: Transaction, claim: Claim): Promise<boolean> {
    return this.leases.fence(managerOf(tx), claim.id, claim.lockToken);
  }

  /** Inside the request's transaction: stores the response that replays will return. */
  async complete(tx: Transaction, claim: Claim, response: StoredResponse): Promise<boolean> {
    return this.leases.settle(managerOf(tx), claim.id, claim.lockToken, {
      status: COMPLETED,
      lock_token: null,
      response_status: response.status,
      response_headers: JSON.stringify(response.headers),
      response_body: response.body,
    });
  }

  /** Gives a failed request's key back, so a retry runs again instead of replaying an error. */
  async release(claim: Claim): Promise<void> {
    await this.leases.release(this.dataSource, claim.id, claim.lockToken);
  }

  /** Deletes up to `limit` expired keys. */
  async purgeExpired(limit: number): Promise<void> {
    await this.dataSource.query(
      `DELETE FROM idempotency_keys WHERE expires_at < NOW(3) LIMIT ${Number(limit)}`,
    );
  }
}
