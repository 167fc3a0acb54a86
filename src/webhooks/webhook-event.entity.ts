import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../common/database/transformers';

/** Life cycle of an inbox row; see docs/webhooks.md for the transitions. */
export enum WebhookEventStatus {
  Received = 'received',
  Processing = 'processing',
  Processed = 'processed',
  Ignored = 'ignored',
  Failed = 'failed',
}

/** One partner event in the durable inbox, unique on the Standard Webhooks `webhook-id`. */
@Entity({ name: 'webhook_events' })
@Index('idx_webhook_events_status_processed_at', ['status', 'processedAt'])
export class WebhookEvent {
  @PrimaryColumn({ type: 'bigint', unsigned: true, transformer: bigintToNumber })
  @Generated('increment')
  id!: number;

  @Index('uq_webhook_events_event_id', { unique: true })
  @Column({
    name: 'event_id',
    type: 'varchar',
    length: 255,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  eventId!: string;

  @Column({ type: 'varchar', length: 100, nullable: true })
  type!: string | null;

  /** The request body exactly as received (JSON text). */
  @Column({ type: 'longtext' })
  payload!: string;

  @Column({ type: 'enum', enum: WebhookEventStatus })
  status!: WebhookEventStatus;

  @Column({ type: 'int', unsigned: true, default: 0 })
  attempts!: number;

  @Column({
    name: 'lease_owner',
    type: 'char',
    length: 36,
    charset: 'ascii',
    collation: 'ascii_bin',
    nullable: true,
  })
  leaseOwner!: string | null;

  @Column({ name: 'locked_until', type: 'datetime', precision: 3, nullable: true })
  lockedUntil!: Date | null;

  @Column({ type: 'varchar', length: 1000, nullable: true })
  error!: string | null;

  @Column({
    name: 'received_at',
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  receivedAt!: Date;

  @Column({ name: 'processed_at', type: 'datetime', precision: 3, nullable: true })
  processedAt!: Date | null;

  @Column({
    name: 'updated_at',
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
    onUpdate: 'CURRENT_TIMESTAMP(3)',
  })
  updatedAt!: Date;
}
