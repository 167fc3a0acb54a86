import type { Connection } from 'mysql2/promise';
import { destination } from '../src/common/geo/sphere';
import type { NearFilters, NearSortKey, NearSortOrder } from '../src/products/near/near.sql';
import { buildProduct, ProductSeed } from './factories/product.factory';
import { Prng } from './fuzz/prng';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { eventually } from './support/contract-http';
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
 * GET /products?near=…: every page over HTTP (response cache on, two instances) against a
 * brute-force `ST_Distance_Sphere` over all producers; the 400s; cursors bound to the
 * canonical point and radius; cache keys that never answer one point's page for another;
 * producer moves within 1 s; walks while the catalog changes; ties.
 */
jest.setTimeout(300_000);

const CENTRE = { lat: 11.016844, lng: 76.955832 };
const MARKET = '11.000000,76.960000';
const NONE: NearFilters = {
  categories: [],
  minPrice: null,
  maxPrice: null,
  inStock: false,
  q: null,
};
const FRUITS: NearFilters = { ...NONE, categories: ['fruits'] };
const CATEGORIES = ['fruits', 'dairy', 'vegetables'];
const STAMPS = ['2025-01-01 00:00:00.000', '2025-02-01 12:00:00.500', '2025-03-01 08:30:00.250'];
const SORTS: readonly [NearSortKey, NearSortOrder][] = [
  ['created_at', 'desc'],
  ['price', 'asc'],
  ['name', 'asc'],
  ['id', 'desc'],
];

const six = (value: number): string => value.toFixed(6);
const text = (p: { lat: number; lng: number }): string => `${six(p.lat)},${six(p.lng)}`;

interface Item {
  id: number;
  distance_km: number;
}
interface Page {
  data: Item[];
  page: { next_cursor: string | null; has_more: boolean };
}

function product(rng: Prng): ProductSeed {
  const stamp = rng.pick(STAMPS);
  return buildProduct({
    name: `${rng.pick(['Mango', 'Milk', 'Okra', 'Paneer'])} ${rng.int(0, 3)}`,
    category: rng.pick(CATEGORIES),
    price: `${rng.int(1, 9)}.${rng.pick(['00', '50'])}`,
    stock: rng.int(0, 20),
    created_at: stamp,
    updated_at: stamp,
  });
}

describe('GET /products?near=', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let a: TestApp;
  let b: TestApp;
  let db: Connection;
  let writer: string;
  const rng = new Prng(29);
  const points: Record<string, string> = {};
  let boundary: { producer: number; seed: ProducerSeed; inside: string; outside: string };

  async function producerWith(p: ProducerSeed, products: number): Promise<number> {
    const id = await insertProducer(db, p);
    await insertOwnedProducts(
      db,
      Array.from({ length: products }, () => ({ product: product(rng), producerId: id })),
    );
    return id;
  }

  async function get(app: TestApp, query: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${app.url}/products?${query}`);
    return { status: res.status, body: await res.json() };
  }

  async function page(app: TestApp, query: string): Promise<Page> {
    const res = await get(app, query);
    expect({ query, status: res.status }).toEqual({ query, status: 200 });
    return res.body as Page;
  }

  /** Every page of `query`, following next_cursor. */
  async function walk(query: string, app = a, between?: () => Promise<void>): Promise<Item[]> {
    const all: Item[] = [];
    let cursor: string | null = null;
    for (let n = 0; n < 10_000; n += 1) {
      const q: string = cursor === null ? query : `${query}&cursor=${cursor}`;
      const body = await page(app, q);
      all.push(...body.data);
      cursor = body.page.next_cursor;
      if (cursor === null) {
        return all;
      }
      await between?.();
    }
    throw new Error('walk did not end');
  }

  /** The brute-force rows for a `near` text as the API canonicalises it. */
  function truth(
    near: string,
    radiusKm: string | null,
    filters: NearFilters,
    sort: 'distance' | NearSortKey,
    order: NearSortOrder,
  ): Promise<TruthRow[]> {
    const [lat, lng] = near.split(',').map(Number);
    return bruteForce(db, { lat, lng, radiusKm, filters, sort, order });
  }

  /** Ids in order, and each distance_km within ±0.0005 of the exact distance. */
  function expectSame(label: string, walked: Item[], expected: TruthRow[]): void {
    expect({ label, ids: walked.map((row) => row.id) }).toEqual({
      label,
      ids: expected.map((row) => row.id),
    });
    const off = walked.filter(
      (row, i) => !(Math.abs(row.distance_km - expected[i].distanceM / 1000) <= 0.0005),
    );
    expect({ label, off }).toEqual({ label, off: [] });
  }

  async function delivers(producer: number, near: string): Promise<boolean> {
    const [lat, lng] = near.split(',').map(Number);
    const [rows] = await db.execute(
      'SELECT ST_Distance_Sphere(POINT(lng, lat), POINT(?, ?)) <= delivery_radius_km * 1000 AS ok ' +
        'FROM producers WHERE id = ?',
      [lng, lat, producer],
    );
    return Number((rows as { ok: number }[])[0].ok) === 1;
  }

  beforeAll(async () => {
    sim = await startPartnerSim({ signingKeys: 'dev' });
    env = createTestEnv({ ...sim.serviceEnv(), RATE_LIMIT_LIMIT: '1000000' });
    a = await createTestApp({ listen: true });
    b = await createTestApp({ listen: true });
    db = await connectTestDb(env.dbName);
    writer = await sim.issueJwt({ scope: 'producers:write', sub: 'platform' });

    // A town: producers spread around its centre, four in one market hall (ties), two
    // far farms with wide areas, and products without a producer.
    for (let i = 0; i < 20; i += 1) {
      const spot = destination(CENTRE.lat, CENTRE.lng, rng.next() * 12_000, rng.next() * 360);
      const radius = (2 + rng.int(0, 100) / 10).toFixed(1);
      await producerWith(
        { name: `Town ${i}`, lat: six(spot.lat), lng: six(spot.lng), radiusKm: radius },
        rng.int(3, 40),
      );
    }
    const [mlat, mlng] = MARKET.split(',');
    for (const radius of ['5.0', '8.0', '8.0', '15.0']) {
      await producerWith({ name: 'Market', lat: mlat, lng: mlng, radiusKm: radius }, 20);
    }
    for (const bearing of [45, 250]) {
      const far = destination(CENTRE.lat, CENTRE.lng, 25_000, bearing);
      await producerWith(
        { name: 'Far farm', lat: six(far.lat), lng: six(far.lng), radiusKm: '30.0' },
        30,
      );
    }
    await insertOwnedProducts(
      db,
      Array.from({ length: 20 }, () => ({ product: product(rng), producerId: null })),
    );
    await producerWith({ name: 'Plain', lat: '1.500000', lng: '2.000000', radiusKm: '5.0' }, 25);

    // A delivery boundary: adjacent 6-decimal grid points north of a producer, the first
    // at most its radius away as SQL computes it, the next beyond.
    const spot = destination(CENTRE.lat, CENTRE.lng, 5_000, 90);
    const seed = { name: 'Boundary', lat: six(spot.lat), lng: six(spot.lng), radiusKm: '3.0' };
    const producer = await producerWith(seed, 15);
    const at = (micro: number): string => `${six(Number(seed.lat) + micro / 1e6)},${seed.lng}`;
    let lo = 0;
    let hi = 60_000;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (await delivers(producer, at(mid))) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    boundary = { producer, seed, inside: at(lo), outside: at(hi) };

    points.centre = text(CENTRE);
    points['town edge'] = text(destination(CENTRE.lat, CENTRE.lng, 14_000, 200));
    points.market = MARKET;
    points.nowhere = '-40.000000,-30.000000';
    points['boundary inside'] = boundary.inside;
    points['boundary outside'] = boundary.outside;
  });

  afterAll(async () => {
    await db?.end();
    await a?.close();
    await b?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  it('places the boundary points on both sides of the delivery radius', async () => {
    expect(await delivers(boundary.producer, boundary.inside)).toBe(true);
    expect(await delivers(boundary.producer, boundary.outside)).toBe(false);
  });

  it('walks sort=distance exactly as ORDER BY distance, id, with distance_km', async () => {
    let nonEmpty = 0;
    for (const [name, near] of Object.entries(points)) {
      for (const [radius, filters, extra] of [
        [null, NONE, ''],
        [null, FRUITS, '&category=fruits'],
        ['3.5', NONE, '&radius_km=3.5'],
      ] as const) {
        const expected = await truth(near, radius, filters, 'distance', 'asc');
        const walked = await walk(`near=${near}${extra}&limit=7`);
        expectSame(`${name} ${extra}`, walked, expected);
        // sort=distance is the default with near.
        const explicit = await walk(`near=${near}${extra}&limit=7&sort=distance&order=asc`);
        expect(explicit.map((row) => row.id)).toEqual(walked.map((row) => row.id));
        nonEmpty += expected.length > 0 ? 1 : 0;
      }
    }
    expect(nonEmpty).toBeGreaterThan(8);
  });

  it('walks the other sorts with near as a filter exactly as ORDER BY <sort>, id', async () => {
    for (const [name, near] of Object.entries(points)) {
      for (const [sort, order] of SORTS) {
        for (const [filters, extra] of [
          [NONE, ''],
          [FRUITS, '&category=fruits'],
        ] as const) {
          const expected = await truth(near, null, filters, sort, order);
          const walked = await walk(`near=${near}&sort=${sort}&order=${order}&limit=9${extra}`);
          expectSame(`${name} ${sort} ${order} ${extra}`, walked, expected);
        }
      }
    }
  });

  it('walks the market hall ties one product per page', async () => {
    const expected = await truth(MARKET, null, NONE, 'distance', 'asc');
    expect(expected.filter((row) => row.distanceM === 0).length).toBe(80);
    expectSame('limit 1', await walk(`near=${MARKET}&limit=1`), expected);
    expectSame('limit 3', await walk(`near=${MARKET}&limit=3`), expected);
  });

  it.each([
    ['near=abc', 'near', 'near=10,20'],
    ['near=91,10', 'near', 'near=90,10'],
    ['near=10,-181', 'near', 'near=10,-180'],
    ['near=10.1234567,20', 'near', 'near=10.123456,20'],
    ['radius_km=5', 'radius_km', 'near=10,20&radius_km=5'],
    ['near=10,20&radius_km=0.05', 'radius_km', 'near=10,20&radius_km=0.1'],
    ['near=10,20&radius_km=101', 'radius_km', 'near=10,20&radius_km=100'],
    ['sort=distance', 'sort', 'near=10,20&sort=distance'],
    ['near=10,20&sort=distance&order=desc', 'order', 'near=10,20&sort=distance&order=asc'],
    ['near=10,20&order=desc', 'order', 'near=10,20&sort=price&order=desc'],
  ])('answers 400 for %s naming %s, 200 for %s', async (bad, field, good) => {
    const res = await get(a, bad);
    expect(res.status).toBe(400);
    const errors = (res.body as { errors: { field: string }[] }).errors;
    expect(errors.map((e) => e.field)).toEqual([field]);
    expect((await get(a, good)).status).toBe(200);
  });

  it('binds cursors to the canonical point and radius', async () => {
    const expected = await truth('1.5,2', null, NONE, 'distance', 'asc');
    expect(expected.length).toBe(25);
    // 1.5,2 and 1.500000,2.000000 are one point: a cursor of one continues the other.
    const first = await page(a, 'near=1.5,2&limit=10');
    const second = await page(
      a,
      `near=1.500000,2.000000&limit=10&cursor=${first.page.next_cursor}`,
    );
    expect([...first.data, ...second.data].map((row) => row.id)).toEqual(
      expected.slice(0, 20).map((row) => row.id),
    );
    const cursor = first.page.next_cursor as string;
    for (const other of [
      'near=1.500001,2&limit=10',
      'near=1.5,2&radius_km=50&limit=10',
      'near=1.5,2&limit=10&sort=id&order=asc',
      'limit=10',
    ]) {
      const res = await get(a, `${other}&cursor=${cursor}`);
      expect({ other, status: res.status }).toEqual({ other, status: 400 });
      const errors = (res.body as { errors: { field: string }[] }).errors;
      expect(errors.map((e) => e.field)).toEqual(['cursor']);
    }
    // With radius: bound to it too (1 km and 1.0 km are one radius).
    const r1 = await page(a, 'near=1.5,2&radius_km=1&limit=5');
    expect(r1.page.next_cursor).not.toBeNull();
    expect(
      (await get(a, `near=1.5,2&radius_km=1.0&limit=5&cursor=${r1.page.next_cursor}`)).status,
    ).toBe(200);
    expect(
      (await get(a, `near=1.5,2&radius_km=1.1&limit=5&cursor=${r1.page.next_cursor}`)).status,
    ).toBe(400);
  });

  it("never answers one point's cached page for another", async () => {
    const pair = [boundary.inside, boundary.outside];
    const expected = await Promise.all(pair.map((p) => truth(p, null, NONE, 'distance', 'asc')));
    const [owned] = await db.query('SELECT id FROM products WHERE producer_id = ?', [
      boundary.producer,
    ]);
    const boundaryIds = (owned as { id: number }[]).map((row) => Number(row.id));
    expect(boundaryIds.length).toBe(15);
    // One point sees the boundary producer's products, the other (1e-6° away) does not.
    const sees = expected.map((rows) => boundaryIds.every((id) => rows.some((r) => r.id === id)));
    expect(sees).toEqual([true, false]);
    for (const order of [pair, [...pair].reverse()]) {
      for (const near of order) {
        for (let i = 0; i < 3; i += 1) {
          const res = await fetch(`${a.url}/products?near=${near}&limit=100`);
          const body = (await res.json()) as Page;
          if (i > 0) {
            expect(res.headers.get('x-cache')).toBe('hit');
          }
          expectSame(near, body.data, expected[pair.indexOf(near)].slice(0, 100));
        }
      }
    }
  });

  it('shows a producer moving or changing its radius within 1 s on both instances', async () => {
    const near = points.nowhere;
    const warm = async (): Promise<void> => {
      for (const app of [a, b]) {
        await page(app, `near=${near}`);
        await page(app, `near=${near}`);
      }
    };
    const expectBoth = async (): Promise<void> => {
      const expected = await truth(near, null, NONE, 'distance', 'asc');
      for (const app of [a, b]) {
        await eventually(async () => {
          expectSame(`${app.url}`, await walk(`near=${near}&limit=50`, app), expected);
        }, 1_000);
      }
      return;
    };
    const patch = async (id: number, body: Record<string, unknown>): Promise<void> => {
      const res = await fetch(`${a.url}/producers/${id}`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(200);
    };
    const farm = await producerWith(
      { name: 'Moving', lat: '-41.000000', lng: '-30.000000', radiusKm: '50.0' },
      12,
    );
    await warm();
    expect((await page(a, `near=${near}`)).data).toEqual([]);
    await patch(farm, { lat: -40.2 }); // moves into reach
    await expectBoth();
    expect((await page(b, `near=${near}`)).data.length).toBe(12);
    await warm();
    await patch(farm, { delivery_radius_km: 10 }); // out of reach again
    await expectBoth();
    expect((await page(b, `near=${near}`)).data).toEqual([]);
    await warm();
    await patch(farm, { delivery_radius_km: 30 }); // and back
    await expectBoth();
  });

  it('skips or repeats no product that exists throughout while products are inserted and deleted', async () => {
    const near = points.centre;
    const before = await truth(near, null, NONE, 'distance', 'asc');
    const [producers] = await db.query(
      'SELECT DISTINCT producer_id AS id FROM products WHERE id IN (?)',
      [before.map((row) => row.id)],
    );
    const owners = (producers as { id: number }[]).map((row) => Number(row.id));
    const deleted = new Set<number>();
    const walked = await walk(`near=${near}&limit=6`, a, async () => {
      const victim = before[rng.int(0, before.length - 1)].id;
      deleted.add(victim);
      await db.query('DELETE FROM products WHERE id = ?', [victim]);
      await insertOwnedProducts(
        db,
        Array.from({ length: 3 }, () => ({ product: product(rng), producerId: rng.pick(owners) })),
      );
    });
    const ids = walked.map((row) => row.id);
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Set(ids);
    const missing = before.filter((row) => !deleted.has(row.id) && !seen.has(row.id));
    expect(missing).toEqual([]);
    // Still in (distance, id) order.
    const after = await truth(near, null, NONE, 'distance', 'asc');
    const position = new Map(after.map((row, i) => [row.id, i]));
    const kept = ids.filter((id) => position.has(id)).map((id) => position.get(id) as number);
    expect(kept).toEqual([...kept].sort((x, y) => x - y));
  });
});
