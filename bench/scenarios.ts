import type { CatalogFacts } from './stores';

export type ScenarioName =
  | 'floor'
  | 'hot'
  | 'db-floor'
  | 'miss'
  | 'open-loop'
  | 'filters'
  | 'by-id-floor'
  | 'by-id'
  | 'first-page'
  | 'deep'
  | 'near-centre'
  | 'near-outskirt'
  | 'near-category'
  | 'near-deep'
  | 'churn';

export const SCENARIO_ORDER: readonly ScenarioName[] = [
  'floor',
  'hot',
  'db-floor',
  'miss',
  'open-loop',
  'filters',
  'by-id-floor',
  'by-id',
  'first-page',
  'deep',
  'near-centre',
  'near-outskirt',
  'near-category',
  'near-deep',
  'churn',
];

export const SCENARIO_DESCRIPTIONS: Record<ScenarioName, string> = {
  floor: 'bare Fastify, same bytes as a first page of 20',
  hot: 'GET /products, the same first page: cache hits',
  'db-floor': "bare Fastify + mysql2 running the miss scenario's captured SQL, same JSON",
  miss: 'default listing with a different min_price every request',
  'open-loop': 'miss requests at a fixed arrival rate',
  filters: 'random category / price range / in_stock / q / sort mixes',
  'by-id-floor': "bare Fastify + mysql2 running the by-id scenario's captured SQL, same JSON",
  'by-id': 'GET /products/:id, random existing id',
  'first-page': 'first pages, 8 sort/order pairs, distinct key per request: cache cold',
  deep: 'pages ~N deep (cursors), 8 sort/order pairs: cache cold',
  'near-centre': 'near=<Bengaluru centre ± 50 m>, sort=distance first pages: cache cold',
  'near-outskirt': 'near=<30 km north of it ± 50 m>, sort=distance first pages: cache cold',
  'near-category': 'near-centre with one category (random), sort=distance: cache cold',
  'near-deep': 'near-centre, pages ~50 deep (cursors): cache cold',
  churn: 'popular first pages + misses at a fixed rate, with signed stock/price webhooks',
};

export function describeScenario(name: ScenarioName, deepPage: number): string {
  return SCENARIO_DESCRIPTIONS[name].replace('~N', `~${deepPage.toLocaleString('en-US')}`);
}

/** The floor each scenario's CPU per request is compared with. */
export const FLOOR_OF: Partial<Record<ScenarioName, ScenarioName>> = {
  hot: 'floor',
  miss: 'db-floor',
  'open-loop': 'db-floor',
  filters: 'db-floor',
  'first-page': 'db-floor',
  deep: 'db-floor',
  'by-id': 'by-id-floor',
};

/**
 * Not a floor but a reference: the near-me listings' CPU per request is compared with the
 * default listing's uncached miss (both closed loop), as their ratio.
 */
export const REFERENCE_OF: Partial<Record<ScenarioName, ScenarioName>> = {
  'near-centre': 'miss',
  'near-outskirt': 'miss',
  'near-category': 'miss',
  'near-deep': 'miss',
};

/**
 * The scenarios to run for `--only`: the named ones, plus the floors their ratios need,
 * `miss` for `open-loop` (its rate is half of miss's throughput unless given) and
 * `first-page` for `deep` (its reference), in the usual order.
 */
export function selectScenarios(
  only: readonly string[],
  openLoopRateGiven = false,
): ScenarioName[] {
  if (only.length === 0) {
    return [...SCENARIO_ORDER];
  }
  const unknown = only.filter((name) => !SCENARIO_ORDER.includes(name as ScenarioName));
  if (unknown.length > 0) {
    throw new Error(`unknown scenario ${unknown.join(', ')} (known: ${SCENARIO_ORDER.join(', ')})`);
  }
  const wanted = new Set(only as ScenarioName[]);
  if (wanted.has('open-loop') && !openLoopRateGiven) {
    wanted.add('miss');
  }
  if (wanted.has('deep')) {
    wanted.add('first-page');
  }
  if (wanted.has('near-deep')) {
    wanted.add('near-centre');
  }
  for (const name of [...wanted]) {
    const floor = FLOOR_OF[name] ?? REFERENCE_OF[name];
    if (floor) {
      wanted.add(floor);
    }
  }
  return SCENARIO_ORDER.filter((name) => wanted.has(name));
}

/** The first page that hot serves and the floor copies. */
export const HOT_PATH = '/products';

export const SORT_ORDERS: readonly (readonly [string, string])[] = [
  'created_at',
  'price',
  'name',
  'id',
].flatMap((sort) => [[sort, 'desc'] as const, [sort, 'asc'] as const]);

/**
 * A `max_price` above every price (DECIMAL(10,2) allows 99,999,999.99): it selects every
 * row, so the SQL plan is that of the unfiltered listing, yet each value is a different
 * cache key. first-page draws a fresh one per request; deep walks with the highest.
 */
export const OPEN_BOUND_CENTS = 9_999_999_999;
const OPEN_BOUND_SPAN = 8_999_999_999;

export function cents(value: number): string {
  return `${Math.floor(value / 100)}.${String(value % 100).padStart(2, '0')}`;
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)];
}

function randomInt(lo: number, hi: number): number {
  return lo + Math.floor(Math.random() * (hi - lo + 1));
}

/** Counter-driven values: distinct for the whole run (a stride co-prime with the span). */
function rotating(lo: number, span: number, preferredStride: number): () => number {
  const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));
  let stride = preferredStride;
  while (span > 1 && gcd(span, stride) !== 1) {
    stride += 1;
  }
  let i = Math.floor(Math.random() * span);
  return () => {
    i = (i + stride) % span;
    return lo + i;
  };
}

export function firstPagePaths(): () => string {
  const bound = rotating(OPEN_BOUND_CENTS - OPEN_BOUND_SPAN, OPEN_BOUND_SPAN, 7_919);
  let n = 0;
  return () => {
    const [sort, order] = SORT_ORDERS[(n += 1) % SORT_ORDERS.length];
    return `/products?sort=${sort}&order=${order}&max_price=${cents(bound())}`;
  };
}

/** The near-me points (the 1M seed's Bengaluru centre, and 30 km north of it). */
export const NEAR_CENTRE = { lat: 12.971599, lng: 77.594566 };
export const NEAR_OUTSKIRT = { lat: 13.241389, lng: 77.594566 };
/** Depth, in pages of 20, of the near-deep scenario. */
export const NEAR_DEEP_PAGE = 50;
/** Points are spread over ±NEAR_JITTER micro-degrees (about ±55 m): distinct cache keys. */
const NEAR_JITTER = 500;

/** Distinct 6-decimal points around `at`, one per call (households near one spot). */
export function nearPoints(at: { lat: number; lng: number }): () => string {
  const side = 2 * NEAR_JITTER + 1;
  const next = rotating(0, side * side, 7_919);
  return () => {
    const i = next();
    const lat = at.lat + (Math.floor(i / side) - NEAR_JITTER) / 1e6;
    const lng = at.lng + ((i % side) - NEAR_JITTER) / 1e6;
    return `${lat.toFixed(6)},${lng.toFixed(6)}`;
  };
}

export function nearPaths(
  at: { lat: number; lng: number },
  categories?: readonly string[],
): () => string {
  const point = nearPoints(at);
  return () =>
    categories
      ? `/products?near=${point()}&category=${encodeURIComponent(pick(categories))}`
      : `/products?near=${point()}`;
}

export function missPaths(facts: CatalogFacts): () => string {
  const span = Math.max(1, facts.maxPriceCents - facts.minPriceCents);
  const price = rotating(facts.minPriceCents, span, 7_919);
  return () => `/products?min_price=${cents(price())}`;
}

export function filterPaths(facts: CatalogFacts): () => string {
  const { minPriceCents: lo, maxPriceCents: hi } = facts;
  return () => {
    const params: string[] = [];
    const roll = Math.random();
    if (roll < 0.6) {
      const count = Math.random() < 0.7 ? 1 : randomInt(2, 3);
      const chosen = new Set(Array.from({ length: count }, () => pick(facts.categories)));
      params.push(`category=${encodeURIComponent([...chosen].join(','))}`);
    }
    if (Math.random() < 0.6) {
      const a = randomInt(lo, hi);
      const b = randomInt(lo, hi);
      params.push(`min_price=${cents(Math.min(a, b))}`, `max_price=${cents(Math.max(a, b))}`);
    } else if (Math.random() < 0.5) {
      params.push(`min_price=${cents(randomInt(lo, hi))}`);
    }
    if (Math.random() < 0.4) {
      params.push('in_stock=true');
    }
    if (Math.random() < 0.3) {
      params.push(`q=${encodeURIComponent(pick(facts.namePrefixes))}`);
    }
    const [sort, order] = pick(SORT_ORDERS);
    params.push(`sort=${sort}`, `order=${order}`);
    return `/products?${params.join('&')}`;
  };
}

/**
 * The popular pages of the churn scenario: the first page of every category under each
 * sort and order, and the unfiltered default listing (20 categories: 161 pages).
 */
export function popularPaths(facts: CatalogFacts): string[] {
  const paths = ['/products'];
  for (const category of facts.categories) {
    for (const [sort, order] of SORT_ORDERS) {
      paths.push(`/products?category=${encodeURIComponent(category)}&sort=${sort}&order=${order}`);
    }
  }
  return paths;
}

export function byIdPaths(facts: CatalogFacts): () => string {
  const { ids } = facts;
  return ids
    ? () => `/products/${ids[Math.floor(Math.random() * ids.length)]}`
    : () => `/products/${randomInt(1, facts.maxId)}`;
}

/** Each collected cursor once, in random order; wraps around (then hits) if exhausted. */
export function deepPaths(paths: readonly string[]): () => string {
  const shuffled = [...paths];
  for (let i = shuffled.length - 1; i > 0; i -= 1) {
    const j = Math.floor(Math.random() * (i + 1));
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  let n = 0;
  return () => shuffled[n++ % shuffled.length];
}
