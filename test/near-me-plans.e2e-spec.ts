import type { Connection } from 'mysql2/promise';
import { destination } from '../src/common/geo/sphere';
import { NearReader, NearSql } from '../src/products/near/near-reader';
import {
  buildDistanceBatchQuery,
  buildReachQuery,
  buildSortedPageQuery,
  NearFilters,
  NearSortKey,
  NearSortOrder,
  SqlStatement,
} from '../src/products/near/near.sql';
import { seedCatalog } from '../src/products/seed/catalog-seeder';
import { SEED_CITIES } from '../src/products/seed/producer-generator';
import { buildProduct } from './factories/product.factory';
import { Prng } from './fuzz/prng';
import { createTestApp, TestApp } from './support/create-test-app';
import { bruteForce, insertOwnedProducts, updateProducer } from './support/near-truth';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

/**
 * How near-me pages are read: the plans (spatial index for the producers, the producer
 * indexes for their products, nothing sorted but a page's candidates), the cost of a
 * page (flat in depth, blind to the rest of the catalog), exact distances at volume, and
 * walks that stay exact while the catalog changes under them.
 */
jest.setTimeout(300_000);

const ROWS = 100_000;
const BENGALURU = { lat: 12.971599, lng: 77.594566 };
const NONE: NearFilters = {
  categories: [],
  minPrice: null,
  maxPrice: null,
  inStock: false,
  q: null,
};
const FILTERS: Record<string, NearFilters> = {
  none: NONE,
  category: { ...NONE, categories: ['fruits'] },
  categories: { ...NONE, categories: ['dairy', 'fruits', 'spices'] },
  price: { ...NONE, minPrice: '100.00', maxPrice: '400.00' },
  inStock: { ...NONE, inStock: true },
  q: { ...NONE, q: 'Organic' },
  all: {
    categories: ['dairy', 'fruits'],
    minPrice: '50.00',
    maxPrice: '900.00',
    inStock: true,
    q: 'Org',
  },
};
const SORTS: readonly [NearSortKey, NearSortOrder][] = [
  ['created_at', 'desc'],
  ['created_at', 'asc'],
  ['price', 'asc'],
  ['price', 'desc'],
  ['name', 'asc'],
  ['name', 'desc'],
  ['id', 'asc'],
  ['id', 'desc'],
];
const AFTER: Record<NearSortKey, string | number> = {
  created_at: '2025-01-01 00:00:00.000',
  price: '500.00',
  name: 'Golden',
  id: ROWS / 2,
};
const HANDLERS = [
  'Handler_read_first',
  'Handler_read_key',
  'Handler_read_last',
  'Handler_read_next',
  'Handler_read_prev',
  'Handler_read_rnd',
  'Handler_read_rnd_next',
  'Handler_tmp_write',
];

interface ExplainRow {
  table: string | null;
  type: string | null;
  key: string | null;
  rows: number | string | null;
  Extra: string | null;
}

describe('near-me query plans, cost and exactness', () => {
  let env: TestEnv;
  let test: TestApp;
  let db: Connection;
  let reader: NearReader;
  let producerIds: number[];

  const sqlOf = (connection: Connection): NearSql => ({
    execute: async (sql, params) =>
      (await connection.execute(sql, params as never))[0] as Record<string, unknown>[],
    query: async (sql, params) =>
      (await connection.query({ sql, values: params, dateStrings: true }))[0] as Record<
        string,
        unknown
      >[],
  });

  /** Index entries, row reads and temporary rows the server touched for `work`. */
  async function reads(work: () => Promise<unknown>): Promise<number> {
    const total = async (): Promise<number> => {
      const [rows] = await db.query(
        `SHOW SESSION STATUS WHERE Variable_name IN (${HANDLERS.map(() => '?').join(', ')})`,
        HANDLERS,
      );
      return (rows as { Value: string }[]).reduce((sum, row) => sum + Number(row.Value), 0);
    };
    const before = await total();
    await work();
    return (await total()) - before;
  }

  async function explain({ sql, params }: SqlStatement): Promise<ExplainRow[]> {
    const [rows] = await db.query(`EXPLAIN ${sql}`, params);
    return rows as ExplainRow[];
  }

  /** Products are read only through a producer index or by primary key; sorts stay small. */
  function expectProductPlan(rows: ExplainRow[], maxSorted: number): void {
    for (const row of rows) {
      const where = JSON.stringify(row);
      if (row.table === 'products' || row.table === 'p') {
        const byProducer = /^ix_products_producer/.test(row.key ?? '');
        expect({ where, ok: byProducer || row.key === 'PRIMARY' }).toEqual({ where, ok: true });
        expect({ where, type: row.type }).not.toEqual({ where, type: 'ALL' });
        if (byProducer) {
          expect({ where, extra: row.Extra }).toEqual({
            where,
            extra: expect.stringContaining('Using index'),
          });
          expect({ where, extra: row.Extra }).not.toEqual({
            where,
            extra: expect.stringContaining('filesort'),
          });
        }
      } else if ((row.Extra ?? '').includes('filesort')) {
        expect({ where, table: row.table }).toEqual({
          where,
          table: expect.stringMatching(/^<(derived|union)/),
        });
        expect({ where, small: Number(row.rows ?? 0) <= maxSorted }).toEqual({
          where,
          small: true,
        });
      }
    }
  }

  beforeAll(async () => {
    env = createTestEnv();
    test = await createTestApp();
    db = await connectTestDb(env.dbName);
    await seedCatalog(db, ROWS, () => undefined);
    reader = new NearReader(sqlOf(db));
    producerIds = (await reader.reach({ point: BENGALURU, radiusKm: null, filters: NONE })).map(
      (p) => p.id,
    );
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
    await env.cleanup();
  });

  it('finds the producers in reach through the spatial index', async () => {
    expect(producerIds.length).toBeGreaterThan(20);
    for (const [radius, from] of [
      [null, null],
      ['2.5', null],
      [null, 1234.5],
      ['7', 99.25],
    ] as const) {
      const rows = await explain(buildReachQuery(BENGALURU, radius, from));
      const producers = rows.filter((row) => row.table === 'producers');
      expect(producers).toEqual([
        expect.objectContaining({ type: 'range', key: 'sx_producers_delivery_box' }),
      ]);
    }
  });

  it.each(Object.keys(FILTERS))(
    'reads a distance batch with filter=%s on the producer index, sorting only its candidates',
    async (filter) => {
      const groups = [
        { producerIds: producerIds.slice(0, 1), afterId: 1_000 },
        { producerIds: producerIds.slice(1, 3), afterId: null },
        { producerIds: producerIds.slice(3, 4), afterId: null },
      ];
      expectProductPlan(
        await explain(buildDistanceBatchQuery(groups, FILTERS[filter], 21)),
        4 * 21,
      );
    },
  );

  const shapes = SORTS.flatMap(([sort, order]) =>
    Object.keys(FILTERS).flatMap((filter) =>
      [false, true].map((deep) => [sort, order, filter, deep] as const),
    ),
  );
  it.each(shapes)(
    'reads sort=%s order=%s filter=%s deep=%s per producer on its index, sorting only candidates',
    async (sort, order, filter, deep) => {
      const statement = buildSortedPageQuery(producerIds, {
        sort,
        order,
        filters: FILTERS[filter],
        after: deep ? { key: AFTER[sort], id: ROWS / 2 } : null,
        fetch: 21,
      });
      expectProductPlan(await explain(statement), producerIds.length * 21);
    },
  );

  describe('cost of a page', () => {
    async function walkReads(pages: number): Promise<number[]> {
      const perPage: number[] = [];
      let after: { distanceM: number; id: number } | null = null;
      for (let page = 0; page < pages; page += 1) {
        let rows: Awaited<ReturnType<NearReader['distancePage']>> = [];
        perPage.push(
          await reads(async () => {
            rows = await reader.distancePage(
              { point: BENGALURU, radiusKm: null, filters: NONE },
              after,
              21,
            );
          }),
        );
        const last = rows[19];
        after = { distanceM: last.distance_m, id: last.id };
      }
      return perPage;
    }

    it('is flat in the depth of the page and blind to products out of reach', async () => {
      const [first, ...rest] = await walkReads(40);
      const deepest = Math.max(...rest);
      expect({ first, deepest, flat: deepest <= first * 1.5 + 50 }).toEqual({
        first,
        deepest,
        flat: true,
      });
      // Twice the products, the new ones at a producer far away: the same page costs the same.
      const before = await walkReads(3);
      const far = await db.query(
        "INSERT INTO producers (name, lat, lng, delivery_radius_km, delivery_box) VALUES ('Far', 28.6, 77.2, 5, ST_GeomFromText('POLYGON((77.1 28.5,77.3 28.5,77.3 28.7,77.1 28.7,77.1 28.5))', 0))",
      );
      const farId = Number((far[0] as { insertId: number }).insertId);
      for (let i = 0; i < 1; i += 1) {
        await db.query(
          'INSERT INTO products (sku, name, description, category, price, stock, created_at, updated_at, producer_id) ' +
            "SELECT CONCAT('FAR-', ?, '-', sku), name, description, category, price, stock, created_at, updated_at, ? FROM products WHERE sku LIKE 'SEED-%'",
          [i, farId],
        );
      }
      await db.query('ANALYZE TABLE products');
      const after = await walkReads(3);
      expect(after).toEqual(before);
    });
  });

  it('reads distances that compare equal to what SQL computes, bound back as doubles', async () => {
    const rng = new Prng(99);
    let checked = 0;
    for (let i = 0; i < 150; i += 1) {
      const city = rng.pick(SEED_CITIES);
      const spot = destination(city.lat, city.lng, rng.next() * 20_000, rng.next() * 360);
      const point = { lat: Number(spot.lat.toFixed(6)), lng: Number(spot.lng.toFixed(6)) };
      const reach = await reader.reach({ point, radiusKm: null, filters: NONE });
      for (const producer of reach) {
        const carried = JSON.parse(JSON.stringify(producer.distanceM)) as number;
        const [rows] = await db.execute(
          'SELECT ST_Distance_Sphere(POINT(lng, lat), POINT(?, ?)) = ? AS eq, ' +
            'ST_Distance_Sphere(POINT(lng, lat), POINT(?, ?)) >= ? AS ge FROM producers WHERE id = ?',
          [point.lng, point.lat, carried, point.lng, point.lat, carried, producer.id],
        );
        expect({ point, producer, row: (rows as unknown[])[0] }).toEqual({
          point,
          producer,
          row: { eq: 1, ge: 1 },
        });
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(1_000);
  });

  it('never skips or repeats a product that exists throughout a walk while the catalog changes', async () => {
    const rng = new Prng(5);
    const point = BENGALURU;
    const scope = { point, radiusKm: null, filters: NONE };
    const start = await reader.reach(scope);
    const mover = start[Math.floor(start.length / 2)].id;
    const [moverRow] = await db.query(
      'SELECT lat, lng, delivery_radius_km AS r FROM producers WHERE id = ?',
      [mover],
    );
    const moverAt = (moverRow as { lat: string; lng: string; r: string }[])[0];
    const deleted = start[start.length - 1].id;
    const kept = start.filter((producer) => producer.id !== deleted);
    const touched = new Set<number>();
    const walked: number[] = [];
    let after: { distanceM: number; id: number } | null = null;
    for (let page = 0; page < 10_000; page += 1) {
      const rows = await reader.distancePage(scope, after, 51);
      walked.push(...rows.slice(0, 50).map((row) => row.id));
      if (rows.length <= 50) {
        break;
      }
      after = { distanceM: rows[49].distance_m, id: rows[49].id };
      // Changes between pages: new products at producers in reach, deletions, a producer
      // that moves a little (its products change distance), one that is removed.
      const producerId = rng.pick(kept).id;
      const inserted = await insertOwnedProducts(db, [
        { product: buildProduct({ category: 'walk' }), producerId },
      ]);
      inserted.forEach((id) => touched.add(id));
      const [victims] = await db.query(
        'SELECT id FROM products WHERE producer_id = ? ORDER BY RAND(?) LIMIT 2',
        [rng.pick(kept).id, page],
      );
      for (const { id } of victims as { id: number }[]) {
        touched.add(Number(id));
        await db.query('DELETE FROM products WHERE id = ?', [id]);
      }
      if (page === 3) {
        await updateProducer(db, mover, {
          name: 'moved',
          lat: (Number(moverAt.lat) + 0.001).toFixed(6),
          lng: moverAt.lng,
          radiusKm: moverAt.r,
        });
        const [ofMover] = await db.query('SELECT id FROM products WHERE producer_id = ?', [mover]);
        (ofMover as { id: number }[]).forEach(({ id }) => touched.add(Number(id)));
      }
      if (page === 5) {
        const [ofDeleted] = await db.query('SELECT id FROM products WHERE producer_id = ?', [
          deleted,
        ]);
        (ofDeleted as { id: number }[]).forEach(({ id }) => touched.add(Number(id)));
        await db.query('DELETE FROM producers WHERE id = ?', [deleted]);
      }
    }
    expect(walked.length).toBeGreaterThan(1_000);
    expect(new Set(walked).size).toBe(walked.length);
    const truth = (
      await bruteForce(db, {
        ...point,
        radiusKm: null,
        filters: NONE,
        sort: 'distance',
        order: 'asc',
      })
    )
      .map((row) => row.id)
      .filter((id) => !touched.has(id));
    expect(walked.filter((id) => !touched.has(id))).toEqual(truth);
  });
});
