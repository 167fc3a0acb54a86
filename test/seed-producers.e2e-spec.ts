import type { Connection, RowDataPacket } from 'mysql2/promise';
import { seedSku } from '../src/products/seed/catalog-generator';
import { seedCatalog } from '../src/products/seed/catalog-seeder';
import {
  generateProducer,
  producerOf,
  seedProducerCount,
} from '../src/products/seed/producer-generator';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

/**
 * The demo producers: what seeding creates on a fresh catalog, on reruns, and on a
 * catalog seeded before producers existed.
 */
jest.setTimeout(180_000);

const COUNT = 60_000;
const MORE = 61_500;

describe('seeding producers', () => {
  let env: TestEnv;
  let test: TestApp;
  let db: Connection;

  const rows = async (sql: string, params: unknown[] = []): Promise<RowDataPacket[]> =>
    (await db.query<RowDataPacket[]>(sql, params))[0];
  const seed = (count: number) => seedCatalog(db, count, () => undefined);

  beforeAll(async () => {
    env = createTestEnv();
    test = await createTestApp();
    db = await connectTestDb(env.dbName);
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
    await env?.cleanup();
  });

  it('gives every product its producer, and the producers are the generated ones', async () => {
    const report = await seed(COUNT);
    const producers = seedProducerCount(COUNT);
    expect(report).toMatchObject({ inserted: COUNT, producers, backfilled: 0 });
    expect(producers).toBeGreaterThan(COUNT / 400);
    expect(producers).toBeLessThan(COUNT / 150);

    const [summary] = await rows(
      'SELECT COUNT(*) AS n, COUNT(producer_id) AS owned, COUNT(DISTINCT producer_id) AS producers FROM products',
    );
    expect(summary).toEqual({ n: COUNT, owned: COUNT, producers });
    for (const n of [1, 2, 999, 30_000, COUNT]) {
      const [row] = await rows('SELECT producer_id FROM products WHERE sku = ?', [seedSku(n)]);
      expect({ n, producer: Number(row.producer_id) }).toEqual({ n, producer: producerOf(n) });
    }
    for (const k of [1, 2, Math.floor(producers / 2), producers]) {
      const p = generateProducer(k);
      const [row] = await rows(
        'SELECT name, lat, lng, delivery_radius_km AS r, ST_AsText(delivery_box) AS box, ' +
          'MBRContains(delivery_box, POINT(lng, lat)) AS holds FROM producers WHERE id = ?',
        [k],
      );
      expect({ k, row }).toEqual({
        k,
        row: {
          name: p.name,
          lat: p.lat,
          lng: p.lng,
          r: p.radiusKm,
          box: expect.stringMatching(/^POLYGON\(\(/),
          holds: 1,
        },
      });
    }
  });

  it('spreads producers over the cities with radii of 2–30 km and a skewed catalog', async () => {
    const [radii] = await rows(
      'SELECT MIN(delivery_radius_km) AS lo, MAX(delivery_radius_km) AS hi FROM producers',
    );
    expect(Number(radii.lo)).toBeGreaterThanOrEqual(2);
    expect(Number(radii.hi)).toBeLessThanOrEqual(30);
    const cities = await rows(
      "SELECT SUBSTRING_INDEX(name, ', ', -1) AS city, COUNT(*) AS n FROM producers GROUP BY city",
    );
    expect(cities.length).toBe(7);
    const sizes = (
      await rows('SELECT COUNT(*) AS n FROM products GROUP BY producer_id ORDER BY n')
    ).map((row) => Number(row.n));
    const median = sizes[Math.floor(sizes.length / 2)];
    expect(median).toBeGreaterThan(50);
    expect(median).toBeLessThan(400);
    // The largest sellers have several times the median (lognormal, as marketplaces are).
    expect(sizes[sizes.length - 1]).toBeGreaterThan(4 * median);
    expect(sizes[0]).toBeLessThan(median / 3);
  });

  it('is idempotent for a count, and a larger count adds only what is missing', async () => {
    const again = await seed(COUNT);
    expect(again).toMatchObject({ inserted: 0, producers: 0, backfilled: 0 });
    const more = await seed(MORE);
    expect(more.inserted).toBe(MORE - COUNT);
    expect(more.producers).toBe(seedProducerCount(MORE) - seedProducerCount(COUNT));
    const [summary] = await rows(
      'SELECT COUNT(*) AS n, COUNT(producer_id) AS owned, MAX(producer_id) AS last FROM products',
    );
    expect(summary).toEqual({ n: MORE, owned: MORE, last: seedProducerCount(MORE) });
    const [producers] = await rows('SELECT COUNT(*) AS n FROM producers');
    expect(Number(producers.n)).toBe(seedProducerCount(MORE));
  });

  it('gives a catalog seeded before producers existed its producers, leaving others alone', async () => {
    const [before] = await rows(
      'SELECT CAST(SUM(producer_id * id) AS CHAR) AS fingerprint FROM products',
    );
    await db.query("UPDATE products SET producer_id = 3 WHERE sku = 'SEED-00000001'");
    await db.query(
      "UPDATE products SET producer_id = NULL WHERE sku BETWEEN 'SEED-00000002' AND ?",
      [seedSku(MORE)],
    );
    const report = await seed(MORE);
    expect(report).toMatchObject({ inserted: 0, producers: 0, backfilled: MORE - 1 });
    const [kept] = await rows('SELECT producer_id FROM products WHERE sku = ?', [seedSku(1)]);
    expect(Number(kept.producer_id)).toBe(3);
    await db.query('UPDATE products SET producer_id = ? WHERE sku = ?', [
      producerOf(1),
      seedSku(1),
    ]);
    const [after] = await rows(
      'SELECT CAST(SUM(producer_id * id) AS CHAR) AS fingerprint FROM products',
    );
    expect(after).toEqual(before);
  });
});
