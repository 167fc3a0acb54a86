import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { boxToWkt, capBox } from '../common/geo/sphere';
import { Producer } from './producer.entity';

/** A producer's writable fields in storage form (DECIMAL text: "12.971599", "8.5"). */
export interface ProducerFields {
  readonly name: string;
  readonly lat: string;
  readonly lng: string;
  readonly deliveryRadiusKm: string;
}

/** The delivery box of a point and radius, as WKT for `ST_GeomFromText(?, 0)`. */
function deliveryBox(fields: Pick<ProducerFields, 'lat' | 'lng' | 'deliveryRadiusKm'>): string {
  return boxToWkt(
    capBox(Number(fields.lat), Number(fields.lng), Number(fields.deliveryRadiusKm) * 1000),
  );
}

/**
 * MySQL access for producers. Every write stores the delivery box (the derived, spatially
 * indexed rectangle around the delivery area) in the same statement as the columns it is
 * computed from, so the two never disagree.
 */
@Injectable()
export class ProducersRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  findById(id: number): Promise<Producer | null> {
    return this.dataSource.manager.findOne(Producer, { where: { id } });
  }

  async insert(fields: ProducerFields, now: Date): Promise<Producer> {
    const result = await this.dataSource.query<{ insertId: number | string }>(
      'INSERT INTO producers (name, lat, lng, delivery_radius_km, delivery_box, created_at, updated_at) ' +
        'VALUES (?, ?, ?, ?, ST_GeomFromText(?, 0), ?, ?)',
      [fields.name, fields.lat, fields.lng, fields.deliveryRadiusKm, deliveryBox(fields), now, now],
    );
    return { id: Number(result.insertId), ...fields, createdAt: now, updatedAt: now };
  }

  /**
   * Applies `changes` under a row lock, in a transaction of its own, and returns the
   * producer after the update, or null when there is none.
   */
  update(id: number, changes: Partial<ProducerFields>): Promise<Producer | null> {
    return this.dataSource.transaction((manager) => updateLocked(manager, id, changes));
  }
}

async function updateLocked(
  manager: EntityManager,
  id: number,
  changes: Partial<ProducerFields>,
): Promise<Producer | null> {
  const current = await manager.findOne(Producer, {
    where: { id },
    lock: { mode: 'pessimistic_write' },
  });
  if (!current) {
    return null;
  }
  if (Object.keys(changes).length === 0) {
    return current;
  }
  const next: Producer = { ...current, ...changes, updatedAt: new Date() };
  await manager.query(
    'UPDATE producers SET name = ?, lat = ?, lng = ?, delivery_radius_km = ?, ' +
      'delivery_box = ST_GeomFromText(?, 0), updated_at = ? WHERE id = ?',
    [next.name, next.lat, next.lng, next.deliveryRadiusKm, deliveryBox(next), next.updatedAt, id],
  );
  return next;
}
