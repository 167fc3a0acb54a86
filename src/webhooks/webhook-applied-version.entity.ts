import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** The newest event applied to one field (`stock` or `price`) of one product. */
@Entity({ name: 'webhook_applied_versions' })
export class WebhookAppliedVersion {
  @PrimaryColumn({ type: 'varchar', length: 64 })
  sku!: string;

  @PrimaryColumn({ type: 'varchar', length: 16, charset: 'ascii', collation: 'ascii_bin' })
  field!: string;

  @Index('idx_webhook_applied_versions_event_time')
  @Column({ name: 'event_time', type: 'datetime', precision: 3 })
  eventTime!: Date;

  @Column({
    name: 'event_id',
    type: 'varchar',
    length: 255,
    charset: 'ascii',
    collation: 'ascii_bin',
  })
  eventId!: string;

  @Column({
    name: 'updated_at',
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
    onUpdate: 'CURRENT_TIMESTAMP(3)',
  })
  updatedAt!: Date;
}
