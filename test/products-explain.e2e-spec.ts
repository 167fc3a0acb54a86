import type { Connection } from 'mysql2/promise';
import { buildPageQuery, PageSpec, PrefixPlan } from '../src/products/products-page.sql';
import { SORT_KEYS, SORT_ORDERS } from '../src/products/products.constants';
import { LISTING_INDEXES, seedCatalog } from '../src/products/seed/catalog-seeder';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

const ROWS = 20_000;
/**
 * A filesort is acceptable only over a small set: the per-category UNION merge
 * (≤ 10 × 101 rows), a page read by its ids (a deferred join), or the matches of a `q`
 * prefix that the repository counted at ≤ 1,000 before choosing its range.
 */
const MAX_SORTED_ROWS = 1_100;

interface ExplainRow {
  id: number | null;
  select_type: string;
  table: string | null;
  type: string | null;
  key: string | null;
  rows: number | string | null;
  Extra: string | null;
}

const FILTERS: Record<string, Partial<PageSpec>> = {
  none: {},
  category: { categories: ['fruits'] },
  categories: { categories: ['dairy', 'fruits', 'spices'] },
  price: { minPrice: '100.00', maxPrice: '400.00' },
  inStock: { inStock: true },
  q: { q: 'Organic' },
  qPriceStock: { q: 'Organic', minPrice: '100.00', inStock: true },
  categoryQ: { categories: ['fruits'], q: 'Organic' },
  categoryPriceStock: { categories: ['fruits'], minPrice: '100.00', inStock: true },
  categoriesPriceRange: { categories: ['dairy', 'fruits'], minPrice: '50.00', maxPrice: '900.00' },
};

/** Derived tables hold one page of ids (≤ limit + 1); UNION results the merged pages. */
const SMALL_TEMPORARY = /^<(union|derived)/;

const AFTER: Record<string, string | number> = {
  created_at: '2025-01-01 00:00:00.000',
  price: '500.00',
  name: 'Golden',
  id: ROWS / 2,
};

describe('GET /products query plans', () => {
  let env: TestEnv;
  let test: TestApp;
  let db: Connection;

  beforeAll(async () => {
    env = createTestEnv();
    test = await createTestApp();
    db = await connectTestDb(env.dbName);
    await seedCatalog(db, ROWS, () => undefined);
  });

  afterAll(async () => {
    await db?.end();
    await test?.close();
    await env.cleanup();
  });

  it('the seeder knows every listing index of the migrated table', async () => {
    const [rows] = await db.query('SHOW INDEX FROM products');
    const columns = new Map<string, string[]>();
    for (const row of rows as { Key_name: string; Column_name: string; Seq_in_index: number }[]) {
      if (row.Key_name.startsWith('ix_')) {
        const list = columns.get(row.Key_name) ?? [];
        list[row.Seq_in_index - 1] = row.Column_name;
        columns.set(row.Key_name, list);
      }
    }
    const actual = Object.fromEntries([...columns].map(([name, cols]) => [name, cols.join(', ')]));
    expect(actual).toEqual(LISTING_INDEXES);
  });

  // A `q` under another sort has two plans (the repository picks one from a count of the
  // prefix's matches): both must hold.
  const plansFor = (sort: string, filter: string): PrefixPlan[] =>
    'q' in FILTERS[filter] && sort !== 'name' ? ['walk', 'range'] : ['walk'];
  const shapes = SORT_KEYS.flatMap((sort) =>
    SORT_ORDERS.flatMap((order) =>
      Object.keys(FILTERS).flatMap((filter) =>
        [false, true].flatMap((deep) =>
          plansFor(sort, filter).map((plan) => [sort, order, filter, deep, plan] as const),
        ),
      ),
    ),
  );

  it.each(shapes)(
    'sort=%s order=%s filter=%s deep=%s plan=%s reads an index without a large sort',
    async (sort, order, filter, deep, plan) => {
      const spec: PageSpec = {
        sort,
        order,
        categories: [],
        minPrice: null,
        maxPrice: null,
        inStock: false,
        q: null,
        after: deep ? { key: AFTER[sort], id: ROWS / 2 } : null,
        fetch: 21,
        ...FILTERS[filter],
      };
      const { sql, params } = buildPageQuery(spec, plan);
      const [explained] = await db.query(`EXPLAIN ${sql}`, params);
      const rows = explained as ExplainRow[];
      for (const row of rows) {
        const where = `${JSON.stringify(row)}`;
        // A UNION result holds at most categories × (limit + 1) rows and a derived table
        // one page of ids: scanning and sorting them is not a table scan.
        if (row.table !== null && !SMALL_TEMPORARY.test(row.table)) {
          expect({ where, type: row.type }).not.toEqual({ where, type: 'ALL' });
          expect({ where, key: row.key }).not.toEqual({ where, key: null });
        }
        if ((row.Extra ?? '').includes('filesort')) {
          expect({ where, sorted: Number(row.rows ?? 0) <= MAX_SORTED_ROWS }).toEqual({
            where,
            sorted: true,
          });
        }
      }
    },
  );
});
