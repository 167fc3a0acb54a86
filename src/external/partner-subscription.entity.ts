import {
  Column,
  CreateDateColumn,
  Entity,
  Index,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
} from 'typeorm';
import { SUBSCRIPTION_URL_MAX_LENGTH } from './external.constants';

/** Ids, URLs and secrets compare byte for byte. */
const BINARY = 'utf8mb4_bin';

const jsonList = {
  to: (value?: string[]): string | undefined => (value ? JSON.stringify(value) : undefined),
  from: (value: string | null): string[] => (value ? (JSON.parse(value) as string[]) : []),
};

/** A webhook subscription registered at the partner; its secret signs the deliveries. */
@Entity({ name: 'partner_subscriptions' })
export class PartnerSubscription {
  /** BIGINT comes back from mysql2 as a string; it is internal and never sent out. */
  @PrimaryGeneratedColumn({ type: 'bigint', unsigned: true })
  id!: string;

  /** The partner's id of the subscription. */
  @Index('UQ_partner_subscriptions_partner_id', { unique: true })
  @Column({ name: 'partner_id', type: 'varchar', length: 128, collation: BINARY })
  partnerId!: string;

  @Index('UQ_partner_subscriptions_url', { unique: true })
  @Column({ type: 'varchar', length: SUBSCRIPTION_URL_MAX_LENGTH, collation: BINARY })
  url!: string;

  /** Event types, stored as a JSON array in text (portable across MySQL and MariaDB). */
  @Column({ type: 'varchar', length: 1024, transformer: jsonList })
  events!: string[];

  @Column({ type: 'varchar', length: 512, collation: BINARY, select: false })
  secret!: string;

  @CreateDateColumn({
    name: 'created_at',
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;

  @UpdateDateColumn({
    name: 'updated_at',
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
    onUpdate: 'CURRENT_TIMESTAMP(3)',
  })
  updatedAt!: Date;
}
