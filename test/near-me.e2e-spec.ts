import type { Connection } from 'mysql2/promise';
import { destination } from '../src/common/geo/sphere';
import type { NearProductRow, NearScope } from '../src/products/near/near-reader';
import { NearRepository } from '../src/products/near/near.repository';
import type { NearFilters, NearSortKey, NearSortOrder } from '../src/products/near/near.sql';
import { seedCatalog } from '../src/products/seed/catalog-seeder';
import { buildProduct, ProductSeed } from './factories/product.factory';
import { Prng } from './fuzz/prng';
import { createTestApp, TestApp } from './support/create-test-app';
import {
  bruteForce,
  insertOwnedProducts,
  insertProducer,
  ProducerSeed,
  TruthRow,
} from './support/near-truth';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

/**
 * Every page of every near-me walk against a brute-force `ST_Distance_Sphere` over all
 * producers: the ids in order, and the distances to the last bit.
 */
jest.setTimeout(300_000);

const CENTRE = { lat: 11.016844, lng: 76.955832 };
const MARKET = { lat: 11, lng: 76.96 };
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
  'categories+price': {
    ...NONE,
    categories: ['dairy', 'fruits'],
    minPrice: '3.00',
    maxPrice: '9.50',
  },
  'q+in_stock': { ...NONE, q: 'Organic', inStock: true },
};
const SORTS: readonly [NearSortKey, NearSortOrder][] = [
  ['price', 'asc'],
  ['price', 'desc'],
  ['name', 'asc'],
  ['created_at', 'desc'],
  ['id', 'asc'],
  ['id', 'desc'],
];
const CATEGORIES = ['fruits', 'dairy', 'vegetables', 'Bakery'];
const NAMES = ['Organic Mango', 'organic milk', 'Fresh Paneer', 'Okra', 'Organic_Rice', 'Ápple'];
const STAMPS = ['2025-01-01 00:00:00.000', '2025-02-01 12:00:00.500', '2025-03-01 08:30:00.250'];

const six = (value: number): string => value.toFixed(6);

function tiedProduct(rng: Prng): ProductSeed {
  const stamp = rng.pick(STAMPS);
  return buildProduct({
    name: `${rng.pick(NAMES)} ${rng.int(0, 3)}`,
    category: rng.pick(CATEGORIES),
    price: `${rng.int(1, 12)}.${rng.pick(['00', '50'])}`,
    stock: rng.bool(0.25) ? 0 : rng.int(1, 40),
    created_at: stamp,
    updated_at: stamp,
  });
}

describe('near-me reads against brute force', () => {
  let env: TestEnv;
  let test: TestApp;
  let db: Connection;
  let near: NearRepository;
  const rng = new Prng(17);
  const points: Record<string, { lat: number; lng: number }> = {};
  let boundary: { producer: number; radiusKm: string; inside: string[]; outside: string[] };

  async function producerWith(p: ProducerSeed, products: number, rngFor = rng): Promise<number> {
    const id = await insertProducer(db, p);
    await insertOwnedProducts(
      db,
      Array.from({ length: products }, () => ({ product: tiedProduct(rngFor), producerId: id })),
    );
    return id;
  }

  async function delivers(producer: number, lat: string, lng: string): Promise<boolean> {
    const [rows] = await db.execute(
      'SELECT ST_Distance_Sphere(POINT(lng, lat), POINT(?, ?)) <= delivery_radius_km * 1000 AS ok ' +
        'FROM producers WHERE id = ?',
      [Number(lng), Number(lat), producer],
    );
    return Number((rows as { ok: number }[])[0].ok) === 1;
  }

  /**
   * Along one axis from the producer's point: the last 6-decimal grid point still in reach
   * (as SQL computes it) and the next one, beyond it.
   */
  async function edge(
    producer: number,
    from: { lat: number; lng: number },
    axis: 'lat' | 'lng',
    radiusKm: number,
  ): Promise<{ inside: string; outside: string }> {
    const at = (micro: number): [string, string] =>
      axis === 'lat'
        ? [six(from.lat + micro / 1e6), six(from.lng)]
        : [six(from.lat), six(from.lng + micro / 1e6)];
    let lo = 0;
    let hi = Math.ceil(((radiusKm * 2) / 100) * 1e6);
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (await delivers(producer, ...at(mid))) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return { inside: at(lo).join(','), outside: at(hi).join(',') };
  }

  beforeAll(async () => {
    env = createTestEnv();
    test = await createTestApp();
    db = await connectTestDb(env.dbName);
    near = test.app.get(NearRepository);
    // A slice of the demo catalog (producers around seven cities) ...
    await seedCatalog(db, 6_000, () => undefined);
    // ... and a hand-made town: producers spread around its centre, four in one market
    // hall (ties at one distance, products interleaving by id), two far farms with wide
    // areas, products without a producer, and areas across the ±180° meridian and a pole.
    for (let i = 0; i < 30; i += 1) {
      const spot = destination(CENTRE.lat, CENTRE.lng, rng.next() * 12_000, rng.next() * 360);
      const radius = (2 + rng.int(0, 100) / 10).toFixed(1);
      await producerWith(
        { name: `Town ${i}`, lat: six(spot.lat), lng: six(spot.lng), radiusKm: radius },
        rng.int(3, 60),
      );
    }
    const hall: number[] = [];
    for (const radius of ['5.0', '8.0', '8.0', '15.0']) {
      hall.push(
        await insertProducer(db, {
          name: 'Market',
          lat: six(MARKET.lat),
          lng: six(MARKET.lng),
          radiusKm: radius,
        }),
      );
    }
    await insertOwnedProducts(
      db,
      Array.from({ length: 100 }, (_, i) => ({
        product: tiedProduct(rng),
        producerId: hall[i % hall.length],
      })),
    );
    for (const bearing of [45, 250]) {
      const far = destination(CENTRE.lat, CENTRE.lng, 25_000, bearing);
      await producerWith(
        { name: 'Far farm', lat: six(far.lat), lng: six(far.lng), radiusKm: '30.0' },
        40,
      );
    }
    await insertOwnedProducts(
      db,
      Array.from({ length: 30 }, () => ({ product: tiedProduct(rng), producerId: null })),
    );
    await producerWith(
      { name: 'Date line', lat: '0.500000', lng: '179.950000', radiusKm: '20.0' },
      15,
    );
    await producerWith({ name: 'Pole', lat: '89.950000', lng: '10.000000', radiusKm: '30.0' }, 15);

    // A delivery boundary: adjacent grid points north and east of a producer, the first at
    // most its radius away as SQL computes it, the next beyond.
    const spot = destination(CENTRE.lat, CENTRE.lng, 5_000, 90);
    const b = { lat: Number(six(spot.lat)), lng: Number(six(spot.lng)) };
    const producer = await producerWith(
      { name: 'Boundary', lat: six(b.lat), lng: six(b.lng), radiusKm: '3.0' },
      25,
    );
    const north = await edge(producer, b, 'lat', 3);
    const east = await edge(producer, b, 'lng', 3);
    boundary = {
      producer,
      radiusKm: '3.0',
      inside: [north.inside, east.inside],
      outside: [north.outside, east.outside],
    };

    points.centre = CENTRE;
    points.market = MARKET;
    points['town edge'] = destination(CENTRE.lat, CENTRE.lng, 14_000, 200);
    for (let i = 0; i < 3; i += 1) {
      points[`random ${i}`] = destination(
        CENTRE.lat,
        CENTRE.lng,
        rng.next() * 18_000,
        rng.next() * 360,
      );
    }
    points['Bengaluru centre (seeded)'] = { lat: 12.971599, lng: 77.594566 };
    points['Mumbai outskirts (seeded)'] = { lat: 19.35, lng: 73.05 };
    points.nowhere = { lat: -40, lng: -30 };
    points['across the date line'] = { lat: 0.45, lng: -179.95 };
    points['over the pole'] = { lat: 89.99, lng: -170 };
    for (const [i, text] of [...boundary.inside, ...boundary.outside].entries()) {
      const [lat, lng] = text.split(',').map(Number);
      points[`boundary ${i < 2 ? 'inside' : 'outside'} ${i % 2 === 0 ? 'north' : 'east'}`] = {
        lat,
        lng,
      };
    }
    for (const [name, p] of Object.entries(points)) {
      // Canonical points: the doubles of 6-decimal text, as the API will parse them.
      points[name] = { lat: Number(six(p.lat)), lng: Number(six(p.lng)) };
    }
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
    await env?.cleanup();
  });

  /** Walks the distance sort page by page; the cursor goes through JSON as it will on the wire. */
  async function walkDistance(scope: NearScope, limit: number): Promise<NearProductRow[]> {
    const all: NearProductRow[] = [];
    let after: { distanceM: number; id: number } | null = null;
    for (let page = 0; page < 10_000; page += 1) {
      const rows = await near.findDistancePage(scope, after, limit + 1);
      all.push(...rows.slice(0, limit));
      if (rows.length <= limit) {
        return all;
      }
      const last = rows[limit - 1];
      after = JSON.parse(JSON.stringify({ distanceM: last.distance_m, id: last.id })) as {
        distanceM: number;
        id: number;
      };
    }
    throw new Error('walk did not end');
  }

  async function walkSorted(
    scope: NearScope,
    sort: NearSortKey,
    order: NearSortOrder,
    limit: number,
  ): Promise<NearProductRow[]> {
    const all: NearProductRow[] = [];
    let after: { key: string | number; id: number } | null = null;
    for (let page = 0; page < 10_000; page += 1) {
      const rows = await near.findSortedPage(scope, {
        sort,
        order,
        filters: scope.filters,
        after,
        fetch: limit + 1,
      });
      all.push(...rows.slice(0, limit));
      if (rows.length <= limit) {
        return all;
      }
      const last = rows[limit - 1];
      after = { key: sort === 'id' ? last.id : last[sort], id: last.id };
    }
    throw new Error('walk did not end');
  }

  const asTruth = (rows: NearProductRow[]): TruthRow[] =>
    rows.map((row) => ({ id: row.id, distanceM: row.distance_m }));
  /** About a dozen pages for the walk, whatever the result size. */
  const limitFor = (total: number): number => Math.max(1, Math.min(100, Math.ceil(total / 12)));

  const cases = (): [string, string | null, string][] => {
    const list: [string, string | null, string][] = [];
    for (const name of Object.keys(points)) {
      for (const filter of Object.keys(FILTERS)) {
        list.push([name, null, filter]);
      }
      if (name === 'centre' || name === 'market' || name.startsWith('boundary inside')) {
        list.push([name, name === 'centre' ? '3.5' : '3.0', 'none']);
      }
    }
    return list;
  };

  it('places the boundary points on both sides of the delivery radius', async () => {
    for (const text of boundary.inside) {
      const [lat, lng] = text.split(',');
      expect({ text, delivers: await delivers(boundary.producer, lat, lng) }).toEqual({
        text,
        delivers: true,
      });
    }
    for (const text of boundary.outside) {
      const [lat, lng] = text.split(',');
      expect({ text, delivers: await delivers(boundary.producer, lat, lng) }).toEqual({
        text,
        delivers: false,
      });
    }
  });

  it('walks sort=distance exactly as ORDER BY distance, id, for every point, radius and filter', async () => {
    let nonEmpty = 0;
    for (const [name, radiusKm, filter] of cases()) {
      const scope: NearScope = { point: points[name], radiusKm, filters: FILTERS[filter] };
      const expected = await bruteForce(db, {
        ...points[name],
        radiusKm,
        filters: FILTERS[filter],
        sort: 'distance',
        order: 'asc',
      });
      const walked = await walkDistance(scope, limitFor(expected.length));
      expect({ name, radiusKm, filter, rows: asTruth(walked) }).toEqual({
        name,
        radiusKm,
        filter,
        rows: expected,
      });
      nonEmpty += expected.length > 0 ? 1 : 0;
    }
    // The points are not all empty: most have products in reach.
    expect(nonEmpty).toBeGreaterThan(cases().length / 2);
  });

  it('walks one product per page through the market hall ties', async () => {
    const scope: NearScope = { point: points.market, radiusKm: null, filters: NONE };
    const expected = await bruteForce(db, {
      ...points.market,
      radiusKm: null,
      filters: NONE,
      sort: 'distance',
      order: 'asc',
    });
    const atZero = expected.filter((row) => row.distanceM === 0);
    expect(atZero.length).toBe(100);
    expect(asTruth(await walkDistance(scope, 1))).toEqual(expected);
    expect(asTruth(await walkDistance(scope, 7))).toEqual(expected);
  });

  it('walks every other sort with near as a filter exactly as ORDER BY <sort>, id', async () => {
    for (const [name, radiusKm, filter] of cases()) {
      if (filter === 'categories+price' || filter === 'q+in_stock') {
        continue;
      }
      for (const [sort, order] of SORTS) {
        const scope: NearScope = { point: points[name], radiusKm, filters: FILTERS[filter] };
        const expected = await bruteForce(db, {
          ...points[name],
          radiusKm,
          filters: FILTERS[filter],
          sort,
          order,
        });
        const walked = await walkSorted(scope, sort, order, limitFor(expected.length));
        expect({ name, radiusKm, filter, sort, order, rows: asTruth(walked) }).toEqual({
          name,
          radiusKm,
          filter,
          sort,
          order,
          rows: expected,
        });
      }
    }
  });

  it('combines every filter with the other sorts at the busiest points', async () => {
    for (const name of ['centre', 'market', 'Bengaluru centre (seeded)']) {
      for (const filter of ['categories+price', 'q+in_stock']) {
        for (const [sort, order] of SORTS) {
          const scope: NearScope = {
            point: points[name],
            radiusKm: null,
            filters: FILTERS[filter],
          };
          const expected = await bruteForce(db, {
            ...points[name],
            radiusKm: null,
            filters: FILTERS[filter],
            sort,
            order,
          });
          const walked = await walkSorted(scope, sort, order, limitFor(expected.length));
          expect({ name, filter, sort, order, rows: asTruth(walked) }).toEqual({
            name,
            filter,
            sort,
            order,
            rows: expected,
          });
        }
      }
    }
  });

  it('lists the producers in reach by (distance, id) with the exact distances', async () => {
    for (const [name, point] of Object.entries(points)) {
      const reach = await near.findReach({ point, radiusKm: null, filters: NONE });
      const [rows] = await db.execute(
        'SELECT id, d FROM (SELECT id, delivery_radius_km AS r, ' +
          'ST_Distance_Sphere(POINT(lng, lat), POINT(?, ?)) AS d ' +
          'FROM producers IGNORE INDEX (sx_producers_delivery_box)) AS t ' +
          'WHERE d <= r * 1000 ORDER BY d, id',
        [point.lng, point.lat],
      );
      const expected = (rows as { id: number | string; d: number }[]).map((row) => ({
        id: Number(row.id),
        distanceM: row.d,
      }));
      expect({ name, reach }).toEqual({ name, reach: expected });
    }
  });
});
