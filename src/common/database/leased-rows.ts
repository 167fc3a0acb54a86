import type { EntityManager } from 'typeorm';

/** Where a table keeps the processing lease of its rows. Names are trusted constants. */
export interface LeaseColumns {
  readonly table: string;
  /** The column a leased row is addressed by (unique). */
  readonly key: string;
  /**
   * The unique index on `key` ('PRIMARY' for the primary key). Every statement that
   * addresses one row is pinned to it: with the status column indexed too, the optimizer
   * may otherwise walk the status index, lock every active row it passes and deadlock with
   * the holders of those rows.
   */
  readonly keyIndex: string;
  readonly status: string;
  /** Holds the token of the current lease holder. */
  readonly owner: string;
  /** DATETIME(3) until which the lease holds. */
  readonly leaseUntil: string;
  /** The status of a row whose holder is working on it. */
  readonly active: string;
}

/** Anything that runs a statement: the DataSource or a transaction's EntityManager. */
export type SqlRunner = Pick<EntityManager, 'query'>;

/** `NOW(3) + INTERVAL n SECOND`, evaluated by the database. */
export interface SecondsFromNow {
  readonly secondsFromNow: number;
}
/** `NOW(3)`, evaluated by the database. */
export const DB_NOW: SecondsFromNow = { secondsFromNow: 0 };

type ColumnValue = unknown;

interface WriteResult {
  readonly affectedRows: number;
  readonly insertId?: number | string;
}

function isFromNow(value: ColumnValue): value is SecondsFromNow {
  return typeof value === 'object' && value !== null && 'secondsFromNow' in value;
}

/** `col = ?` / `col = NOW(3) + INTERVAL ? SECOND` pieces for an INSERT or UPDATE. */
function placeholder(value: ColumnValue, params: unknown[]): string {
  if (isFromNow(value)) {
    if (value.secondsFromNow === 0) {
      return 'NOW(3)';
    }
    params.push(value.secondsFromNow);
    return 'NOW(3) + INTERVAL ? SECOND';
  }
  params.push(value);
  return '?';
}

/** `table FORCE INDEX (keyIndex)`: the row addressed by its key, and no other. */
function byKey(columns: LeaseColumns): string {
  return `${columns.table} FORCE INDEX (${columns.keyIndex})`;
}

/**
 * Claim → lease → take-over → fenced completion on a MySQL table, as the Idempotency-Key
 * records and the webhook inbox both need it. A row is claimed by inserting it (the unique
 * key decides, never a prior read); its holder owns it until the lease runs out, measured
 * by the database clock so instances with skewed clocks agree; a row whose lease ran out
 * (or whose status says it may be retried) is taken over by one compare-and-set; and the
 * holder's final write happens in the transaction of its effect, after `fence` has locked
 * the row while it still holds it, so a holder that lost the lease can never commit beside
 * the one that took it over.
 */
export class LeasedRows {
  constructor(private readonly columns: LeaseColumns) {}

  /**
   * INSERT IGNORE of a new row held by `owner` for `leaseS`. `claimed` is false when the
   * key exists already (IGNORE then affects no row).
   */
  async insertClaimed(
    db: SqlRunner,
    values: Record<string, ColumnValue>,
    owner: string,
    leaseS: number,
  ): Promise<{ claimed: boolean; insertId: string }> {
    const { table, status, owner: ownerColumn, leaseUntil, active } = this.columns;
    const all: Record<string, ColumnValue> = {
      ...values,
      [status]: active,
      [ownerColumn]: owner,
      [leaseUntil]: { secondsFromNow: leaseS },
    };
    const params: unknown[] = [];
    const placeholders = Object.values(all).map((value) => placeholder(value, params));
    const result = await db.query<WriteResult>(
      `INSERT IGNORE INTO ${table} (${Object.keys(all).join(', ')}) VALUES (${placeholders.join(', ')})`,
      params,
    );
    return { claimed: result.affectedRows === 1, insertId: String(result.insertId ?? '') };
  }

  /**
   * Takes over the row of `key` for `owner` when it is active with its lease run out, or
   * in one of the `retryable` statuses. Of several concurrent callers only one gets true.
   * `alsoSet` is a constant SQL assignment list applied with the takeover.
   */
  async takeOver(
    db: SqlRunner,
    key: unknown,
    owner: string,
    leaseS: number,
    options: { readonly retryable?: readonly string[]; readonly alsoSet?: string } = {},
  ): Promise<boolean> {
    const { key: keyColumn, status, owner: ownerColumn, leaseUntil, active } = this.columns;
    const retryable = options.retryable ?? [];
    const expired = `(${status} = ? AND (${leaseUntil} IS NULL OR ${leaseUntil} <= NOW(3)))`;
    const condition =
      retryable.length > 0
        ? `(${status} IN (${retryable.map(() => '?').join(', ')}) OR ${expired})`
        : expired;
    const extra = options.alsoSet ? `, ${options.alsoSet}` : '';
    const result = await db.query<WriteResult>(
      `UPDATE ${byKey(this.columns)}
          SET ${status} = ?, ${ownerColumn} = ?, ${leaseUntil} = NOW(3) + INTERVAL ? SECOND${extra}
        WHERE ${keyColumn} = ? AND ${condition}`,
      [active, owner, leaseS, key, ...retryable, active],
    );
    return result.affectedRows === 1;
  }

  /** Extends the lease of `owner` by `leaseS` while it still holds the row (a heartbeat). */
  async renew(db: SqlRunner, key: unknown, owner: string, leaseS: number): Promise<void> {
    const { key: keyColumn, status, owner: ownerColumn, leaseUntil, active } = this.columns;
    await db.query(
      `UPDATE ${byKey(this.columns)} SET ${leaseUntil} = NOW(3) + INTERVAL ? SECOND
        WHERE ${keyColumn} = ? AND ${ownerColumn} = ? AND ${status} = ?`,
      [leaseS, key, owner, active],
    );
  }

  /**
   * Inside the transaction of the holder's effect: locks the row if `owner` still holds
   * it. A takeover then waits for that transaction to end.
   */
  async fence(manager: EntityManager, key: unknown, owner: string): Promise<boolean> {
    const { key: keyColumn, status, owner: ownerColumn, active } = this.columns;
    const rows = await manager.query<unknown[]>(
      `SELECT ${keyColumn} FROM ${byKey(this.columns)}
        WHERE ${keyColumn} = ? AND ${ownerColumn} = ? AND ${status} = ? FOR UPDATE`,
      [key, owner, active],
    );
    return rows.length === 1;
  }

  /**
   * Ends the lease of `owner` with `values` (the final status among them); the lease time
   * is cleared. False when `owner` no longer holds the row.
   */
  async settle(
    db: SqlRunner,
    key: unknown,
    owner: string,
    values: Record<string, ColumnValue>,
  ): Promise<boolean> {
    const { key: keyColumn, status, owner: ownerColumn, leaseUntil, active } = this.columns;
    const params: unknown[] = [];
    const assignments = Object.entries({ ...values, [leaseUntil]: null }).map(
      ([column, value]) => `${column} = ${placeholder(value, params)}`,
    );
    const result = await db.query<WriteResult>(
      `UPDATE ${byKey(this.columns)} SET ${assignments.join(', ')}
        WHERE ${keyColumn} = ? AND ${ownerColumn} = ? AND ${status} = ?`,
      [...params, key, owner, active],
    );
    return result.affectedRows === 1;
  }

  /** Deletes the row while `owner` still holds it, so that a retry starts afresh. */
  async release(db: SqlRunner, key: unknown, owner: string): Promise<boolean> {
    const { table, key: keyColumn, status, owner: ownerColumn, active } = this.columns;
    // The multi-table form: MySQL takes no index hint in a single-table DELETE.
    const result = await db.query<WriteResult>(
      `DELETE ${table} FROM ${byKey(this.columns)} WHERE ${keyColumn} = ? AND ${ownerColumn} = ? AND ${status} = ?`,
      [key, owner, active],
    );
    return result.affectedRows === 1;
  }
}
