import { Check, Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../common/database/transformers';

/**
 * A producer (table `producers`, migrations/1763850000000-create-producers.ts): where it
 * is and how far it delivers. Coordinates and radius are DECIMAL text as MySQL returns
 * them ("12.971599", "8.5"); the wire turns them into JSON numbers.
 *
 * `deliveryBox` is derived: the rectangle around the whole delivery area (x = longitude,
 * y = latitude, SRID 0), written by every write together with the columns it comes from,
 * and never read by the application (its SPATIAL index is what the near-me reads use).
 */
@Entity({ name: 'producers' })
@Check('ck_producers_lat', 'lat BETWEEN -90 AND 90')
@Check('ck_producers_lng', 'lng BETWEEN -180 AND 180')
@Check('ck_producers_radius', 'delivery_radius_km BETWEEN 0.5 AND 100')
export class Producer {
  @PrimaryColumn({ type: 'bigint', unsigned: true, transformer: bigintToNumber })
  @Generated('increment')
  id!: number;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'decimal', precision: 9, scale: 6 })
  lat!: string;

  @Column({ type: 'decimal', precision: 9, scale: 6 })
  lng!: string;

  @Column({ name: 'delivery_radius_km', type: 'decimal', precision: 5, scale: 1 })
  deliveryRadiusKm!: string;

  @Index('sx_producers_delivery_box', { spatial: true })
  @Column({ name: 'delivery_box', type: 'polygon', srid: 0, select: false })
  deliveryBox?: string;

  @Column({
    name: 'created_at',
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;

  @Column({
    name: 'updated_at',
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  updatedAt!: Date;
}
