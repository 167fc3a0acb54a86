import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DB_NOW, LeasedRows } from '../common/database/leased-rows';
import { managerOf, Transaction } from '../common/database/unit-of-work';
import type { ProductField } from './partner-event';
import { WebhookEventStatus } from './webhook-event.entity';
import { WEBHOOK_VERSION_MAX_AHEAD_S } from './webhooks.constants';

/** What a delivery needs to know about an event another delivery stored first. */
export interface StoredEventState {
  readonly status: WebhookEventStatus;
  /** Milliseconds left on the processing lease (≤ 0 when expired or absent). */
  readonly leaseRemainingMs: number;
  readonly payload: string;
}

export interface NewWebhookEvent {
  readonly eventId: string;
  readonly type: string | null;
  readonly payload: string;
}

interface StateRow {
  status: WebhookEventStatus;
  payload: string;
  lease_ms: string | number;
}

interface WriteResult {
  affectedRows: number;
}

/**
 * The webhook inbox in MySQL. Every state change is a single conditional statement
 * (compare-and-set on status, lease and owner) evaluated with the database clock, so
 * instances with skewed clocks agree on when a lease has expired (LeasedRows).
 */
@Injectable()
export class WebhookEventsRepository {
  private readonly leases = new LeasedRows({
    table: 'webhook_events',
    key: 'event_id',
    keyIndex: 'uq_webhook_events_event_id',
    status: 'status',
    owner: 'lease_owner',
    leaseUntil: 'locked_until',
    active: WebhookEventStatus.Processing,
  });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims a new event by inserting it as `processing` under a lease owned by `owner`.
   * Returns false when the event id is already stored (the unique key decides, never a
   * prior read).
   */
  async insertClaimed(event: NewWebhookEvent, owner: string, leaseS: number): Promise<boolean> {
    // IGNORE turns only the duplicate key into "0 rows" here: every other column is
    // validated or bounded before the insert, so no value can be silently truncated.
    const { claimed } = await this.leases.insertClaimed(
      this.dataSource,
      { event_id: event.eventId, type: event.type, payload: event.payload, attempts: 1 },
      owner,
      leaseS,
    );
    return claimed;
  }

  async findState(eventId: string): Promise<StoredEventState | null> {
    const rows = await this.dataSource.query<StateRow[]>(
      `SELECT status, payload,
              COALESCE(TIMESTAMPDIFF(MICROSECOND, NOW(3), locked_until) DIV 1000, 0) AS lease_ms
         FROM webhook_events WHERE event_id = ?`,
      [eventId],
    );
    const row = rows[0];
    return row
      ? { status: row.status, payload: row.payload, leaseRemainingMs: Number(row.lease_ms) }
      : null;
  }

  /**
   * Takes over an event that failed, was never claimed, or whose lease expired. Only one
   * of several concurrent callers gets true.
   */
  takeOver(eventId: string, owner: string, leaseS: number): Promise<boolean> {
    return this.leases.takeOver(this.dataSource, eventId, owner, leaseS, {
      retryable: [WebhookEventStatus.Failed, WebhookEventStatus.Received],
      alsoSet: 'attempts = attempts + 1',
    });
  }

  /**
   * Inside the processing transaction: locks the event row if `owner` still holds it. The
   * row lock then keeps any takeover waiting until this transaction ends, so a stale owner
   * can never commit an effect next to a new one.
   */
  lockOwned(tx: Transaction, eventId: string, owner: string): Promise<boolean> {
    return this.leases.fence(managerOf(tx), eventId, owner);
  }

  /** Inside the processing transaction: the final state, committed with the effect. */
  async settle(
    tx: Transaction,
    eventId: string,
    owner: string,
    status: WebhookEventStatus.Processed | WebhookEventStatus.Ignored,
    note: string | null,
  ): Promise<void> {
    await this.leases.settle(managerOf(tx), eventId, owner, {
      status,
      error: note,
      processed_at: DB_NOW,
    });
  }

  /** Extends the lease of `owner` while it still holds the event. */
  renewLease(eventId: string, owner: string, leaseS: number): Promise<void> {
    return this.leases.renew(this.dataSource, eventId, owner, leaseS);
  }

  /** Records a failed attempt, unless another delivery has taken the event over meanwhile. */
  async markFailed(eventId: string, owner: string, error: string): Promise<void> {
    await this.leases.settle(this.dataSource, eventId, owner, {
      status: WebhookEventStatus.Failed,
      error,
    });
  }

  /**
   * Inside the processing transaction: records `eventTime` as the newest for (sku, field)
   * unless a newer event was applied already; returns whether this event is the newest
   * (ties go to the event processed last). The upsert locks the row, so concurrent events
   * for one field are decided one after the other. A stored time further ahead of the
   * database clock than any trusted event time can be (recorded before event times were
   * bounded) never wins.
   */
  async claimNewestVersion(
    tx: Transaction,
    sku: string,
    field: ProductField,
    eventTime: Date,
    eventId: string,
  ): Promise<boolean> {
    const manager = managerOf(tx);
    await manager.query(
      `INSERT INTO webhook_applied_versions (sku, field, event_time, event_id)
       VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE
         event_id = IF(VALUES(event_time) >= event_time
                       OR event_time > NOW(3) + INTERVAL ? SECOND, VALUES(event_id), event_id),
         event_time = IF(VALUES(event_time) >= event_time
                         OR event_time > NOW(3) + INTERVAL ? SECOND, VALUES(event_time), event_time)`,
      [sku, field, eventTime, eventId, WEBHOOK_VERSION_MAX_AHEAD_S, WEBHOOK_VERSION_MAX_AHEAD_S],
    );
    const rows = await manager.query<{ event_id: string }[]>(
      'SELECT event_id FROM webhook_applied_versions WHERE sku = ? AND field = ?',
      [sku, field],
    );
    return rows[0]?.event_id === eventId;
  }

  /**
   * Deletes up to `limit` applied versions older than `cutoff`, oldest first, along the
   * event_time index; returns how many went.
   */
  async deleteVersionsBefore(cutoff: Date, limit: number): Promise<number> {
    const result = await this.dataSource.query<WriteResult>(
      `DELETE FROM webhook_applied_versions
        WHERE event_time < ?
        ORDER BY event_time
        LIMIT ?`,
      [cutoff, limit],
    );
    return result.affectedRows;
  }

  /**
   * Deletes up to `limit` events in `status` settled before `cutoff`, oldest first, along
   * the (status, processed_at) index; returns how many went.
   */
  async deleteSettledBefore(
    status: WebhookEventStatus.Processed | WebhookEventStatus.Ignored,
    cutoff: Date,
    limit: number,
  ): Promise<number> {
    const result = await this.dataSource.query<WriteResult>(
      `DELETE FROM webhook_events
        WHERE status = ? AND processed_at < ?
        ORDER BY processed_at
        LIMIT ?`,
      [status, cutoff, limit],
    );
    return result.affectedRows;
  }
}
