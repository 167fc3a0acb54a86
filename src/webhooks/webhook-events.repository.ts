import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { WebhookEventStatus } from './webhook-event.entity';
import type { ProductField } from './partner-event';

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
 * instances with skewed clocks agree on when a lease has expired.
 */
@Injectable()
export class WebhookEventsRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Claims a new event by inserting it as `processing` under a lease owned by `owner`.
   * Returns false when the event id is already stored (the unique key decides, never a
   * prior read).
   */
  async insertClaimed(event: NewWebhookEvent, owner: string, leaseS: number): Promise<boolean> {
    // IGNORE turns only the duplicate key into "0 rows" here: every other column is
    // validated or bounded before the insert, so no value can be silently truncated.
    const result = await this.dataSource.query<WriteResult>(
      `INSERT IGNORE INTO webhook_events
         (event_id, type, payload, status, attempts, lease_owner, locked_until)
       VALUES (?, ?, ?, ?, 1, ?, NOW(3) + INTERVAL ? SECOND)`,
      [event.eventId, event.type, event.payload, WebhookEventStatus.Processing, owner, leaseS],
    );
    return result.affectedRows === 1;
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
  async takeOver(eventId: string, owner: string, leaseS: number): Promise<boolean> {
    const result = await this.dataSource.query<WriteResult>(
      `UPDATE webhook_events
          SET status = ?, lease_owner = ?, locked_until = NOW(3) + INTERVAL ? SECOND,
              attempts = attempts + 1
        WHERE event_id = ?
          AND (status IN (?, ?) OR (status = ? AND (locked_until IS NULL OR locked_until <= NOW(3))))`,
      [
        WebhookEventStatus.Processing,
        owner,
        leaseS,
        eventId,
        WebhookEventStatus.Failed,
        WebhookEventStatus.Received,
        WebhookEventStatus.Processing,
      ],
    );
    return result.affectedRows === 1;
  }

  /**
   * Inside the processing transaction: locks the event row if `owner` still holds it. The
   * row lock then keeps any takeover waiting until this transaction ends, so a stale owner
   * can never commit an effect next to a new one.
   */
  async lockOwned(manager: EntityManager, eventId: string, owner: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      `SELECT id FROM webhook_events
        WHERE event_id = ? AND lease_owner = ? AND status = ? FOR UPDATE`,
      [eventId, owner, WebhookEventStatus.Processing],
    );
    return rows.length === 1;
  }

  /** Inside the processing transaction: the final state, committed with the effect. */
  async settle(
    manager: EntityManager,
    eventId: string,
    owner: string,
    status: WebhookEventStatus.Processed | WebhookEventStatus.Ignored,
    note: string | null,
  ): Promise<void> {
    await manager.query(
      `UPDATE webhook_events
          SET status = ?, error = ?, processed_at = NOW(3), locked_until = NULL
        WHERE event_id = ? AND lease_owner = ?`,
      [status, note, eventId, owner],
    );
  }

  /** Extends the lease of `owner` while it still holds the event. */
  async renewLease(eventId: string, owner: string, leaseS: number): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_events SET locked_until = NOW(3) + INTERVAL ? SECOND
        WHERE event_id = ? AND lease_owner = ? AND status = ?`,
      [leaseS, eventId, owner, WebhookEventStatus.Processing],
    );
  }

  /** Records a failed attempt, unless another delivery has taken the event over meanwhile. */
  async markFailed(eventId: string, owner: string, error: string): Promise<void> {
    await this.dataSource.query(
      `UPDATE webhook_events
          SET status = ?, error = ?, locked_until = NULL
        WHERE event_id = ? AND lease_owner = ? AND status = ?`,
      [WebhookEventStatus.Failed, error, eventId, owner, WebhookEventStatus.Processing],
    );
  }

  /**
   * Inside the processing transaction: records `eventTime` as the newest for (sku, field)
   * unless a newer event was applied already; returns whether this event is the newest
   * (ties go to the event processed last). The upsert locks the row, so concurrent events
   * for one field are decided one after the other.
   */
  async claimNewestVersion(
    manager: EntityManager,
    sku: string,
    field: ProductField,
    eventTime: Date,
    eventId: string,
  ): Promise<boolean> {
    await manager.query(
      `INSERT INTO webhook_applied_versions (sku, field, event_time, event_id)
       VALUES (?, ?, ?, ?)
       ON DUPLICATE KEY UPDATE
         event_id = IF(VALUES(event_time) >= event_time, VALUES(event_id), event_id),
         event_time = IF(VALUES(event_time) >= event_time, VALUES(event_time), event_time)`,
      [sku, field, eventTime, eventId],
    );
    const rows = await manager.query<{ event_id: string }[]>(
      'SELECT event_id FROM webhook_applied_versions WHERE sku = ? AND field = ?',
      [sku, field],
    );
    return rows[0]?.event_id === eventId;
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
