import { boxToWkt, capBox } from '../../common/geo/sphere';
import { mix } from './seed-random';

/**
 * Deterministic demo producers around seven Indian cities. Producer `k` is always the
 * same producer, and product `n` always belongs to the same producer, whatever the
 * `--count`: products come in consecutive runs, one run per producer, whose lengths are
 * lognormal (mean ≈ 250, median ≈ 150, a few producers with thousands), so a catalog of N
 * products has the producers of its first N products (≈ N / 250).
 *
 * Where they are: three in four are urban (a Rayleigh spread around the city centre:
 * dense in the middle, thinning out), one in five on the outskirts (15–45 km out, farms
 * with wide delivery areas), and a few sit in the city's wholesale markets, several
 * producers on exactly the same spot. Coastal cities keep their producers on land.
 */

interface City {
  readonly name: string;
  readonly lat: number;
  readonly lng: number;
  /** Share of producers (relative). */
  readonly weight: number;
  /** Rayleigh scale of the urban spread, km. */
  readonly spreadKm: number;
  /** Bearings (degrees clockwise from north) in which producers may lie: [from, span]. */
  readonly sector: readonly [number, number];
  /** Wholesale markets: many producers at exactly these points. */
  readonly markets: readonly (readonly [number, number])[];
}

export const SEED_CITIES: readonly City[] = [
  {
    name: 'Bengaluru',
    lat: 12.971599,
    lng: 77.594566,
    weight: 20,
    spreadKm: 5,
    sector: [0, 360],
    markets: [
      [12.9636, 77.5776],
      [13.0248, 77.5493],
    ],
  },
  {
    name: 'Mumbai',
    lat: 19.07609,
    lng: 72.877426,
    weight: 18,
    spreadKm: 6,
    sector: [-10, 200],
    markets: [
      [18.9474, 72.8345],
      [19.0789, 73.0085],
    ],
  },
  {
    name: 'Delhi',
    lat: 28.613939,
    lng: 77.209023,
    weight: 20,
    spreadKm: 7,
    sector: [0, 360],
    markets: [
      [28.7096, 77.1739],
      [28.5319, 77.2719],
    ],
  },
  {
    name: 'Pune',
    lat: 18.52043,
    lng: 73.856744,
    weight: 10,
    spreadKm: 4,
    sector: [0, 360],
    markets: [[18.4866, 73.869]],
  },
  {
    name: 'Hyderabad',
    lat: 17.385044,
    lng: 78.486671,
    weight: 12,
    spreadKm: 5,
    sector: [0, 360],
    markets: [
      [17.4703, 78.4851],
      [17.3616, 78.5259],
    ],
  },
  {
    name: 'Chennai',
    lat: 13.08268,
    lng: 80.270721,
    weight: 11,
    spreadKm: 5,
    sector: [170, 200],
    markets: [[13.0706, 80.195]],
  },
  {
    name: 'Kolkata',
    lat: 22.572646,
    lng: 88.363895,
    weight: 9,
    spreadKm: 4,
    sector: [0, 360],
    markets: [[22.5663, 88.3698]],
  },
];
const TOTAL_WEIGHT = SEED_CITIES.reduce((sum, city) => sum + city.weight, 0);

const MARKET_SHARE = 0.03;
const OUTSKIRT_SHARE = 0.2;
const OUTSKIRT_KM: readonly [number, number] = [15, 45];
const URBAN_MAX_KM = 40;
/** Delivery radii, km: urban lognormal around 5 (2–15), markets 8–20, outskirts 10–30. */
const URBAN_RADIUS = { median: 5, sigma: 0.45, min: 2, max: 15 };
const MARKET_RADIUS: readonly [number, number] = [8, 20];
const OUTSKIRT_RADIUS: readonly [number, number] = [10, 30];
/** Products per producer: lognormal, σ = 1, mean 250; at least 3, at most 5,000. */
const PRODUCTS_SIGMA = 1;
const PRODUCTS_MU = Math.log(250) - PRODUCTS_SIGMA ** 2 / 2;
const PRODUCTS_MIN = 3;
const PRODUCTS_MAX = 5_000;
/** Producers joined the platform during 2023 (products are from 2024 on). */
const EPOCH_MS = Date.UTC(2023, 0, 1);
const SPAN_MS = 365 * 24 * 60 * 60 * 1000;

const NAMES = [
  'Annapurna',
  'Kaveri',
  'Sahyadri',
  'Ganga',
  'Nandi',
  'Krishna',
  'Tulsi',
  'Malnad',
  'Deccan',
  'Vrindavan',
  'Godavari',
  'Narmada',
  'Aranya',
  'Bhoomi',
  'Hariyali',
  'Suryoday',
  'Gokul',
  'Konkan',
  'Shivneri',
  'Mahalaxmi',
];
const KINDS = [
  'Farms',
  'Organics',
  'Dairy',
  'Farmers Collective',
  'Orchards',
  'Gardens',
  'Agro Producers',
  'Home Foods',
  'Bakery',
  'Spice Co.',
];

/** One demo producer, in `producers` column form (decimals as text). */
export interface SeedProducer {
  readonly id: number;
  readonly name: string;
  readonly lat: string;
  readonly lng: string;
  readonly radiusKm: string;
  /** WKT of the delivery box (src/common/geo/sphere.ts). */
  readonly box: string;
  /** 'YYYY-MM-DD HH:MM:SS.mmm' UTC. */
  readonly createdAt: string;
}

/** A uniform number in (0, 1) from the `salt`-th draw of producer `k`. */
function uniform(k: number, salt: number): number {
  return (mix(mix(k) ^ Math.imul(salt, 0x9e3779b1)) + 0.5) / 2 ** 32;
}

/** A standard normal number (Box–Muller) from two draws of producer `k`. */
function normal(k: number, salt: number): number {
  return Math.sqrt(-2 * Math.log(uniform(k, salt))) * Math.cos(2 * Math.PI * uniform(k, salt + 1));
}

const between = (u: number, [lo, hi]: readonly [number, number]): number => lo + u * (hi - lo);

function pickCity(u: number): City {
  let threshold = u * TOTAL_WEIGHT;
  for (const city of SEED_CITIES) {
    threshold -= city.weight;
    if (threshold < 0) {
      return city;
    }
  }
  return SEED_CITIES[SEED_CITIES.length - 1];
}

/** Moves (lat, lng) `km` along `bearing` on a local flat approximation (< 50 km). */
function offset(lat: number, lng: number, km: number, bearing: number): [number, number] {
  const rad = (bearing * Math.PI) / 180;
  const dLat = (km * Math.cos(rad)) / 111.195;
  const dLng = (km * Math.sin(rad)) / (111.195 * Math.cos((lat * Math.PI) / 180));
  return [lat + dLat, lng + dLng];
}

function dbTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Demo producer `k` (1-based; its id is `k`). */
export function generateProducer(k: number): SeedProducer {
  const city = pickCity(uniform(k, 1));
  const kind = uniform(k, 2);
  const bearing = city.sector[0] + uniform(k, 3) * city.sector[1];
  let point: [number, number];
  let radiusKm: number;
  if (kind < MARKET_SHARE) {
    const market = city.markets[Math.floor(uniform(k, 4) * city.markets.length)];
    point = [market[0], market[1]];
    radiusKm = between(uniform(k, 5), MARKET_RADIUS);
  } else if (kind < MARKET_SHARE + OUTSKIRT_SHARE) {
    point = offset(city.lat, city.lng, between(uniform(k, 4), OUTSKIRT_KM), bearing);
    radiusKm = between(uniform(k, 5), OUTSKIRT_RADIUS);
  } else {
    const km = Math.min(URBAN_MAX_KM, city.spreadKm * Math.sqrt(-2 * Math.log(uniform(k, 4))));
    point = offset(city.lat, city.lng, km, bearing);
    const r = URBAN_RADIUS.median * Math.exp(URBAN_RADIUS.sigma * normal(k, 5));
    radiusKm = Math.min(URBAN_RADIUS.max, Math.max(URBAN_RADIUS.min, r));
  }
  const lat = point[0].toFixed(6);
  const lng = point[1].toFixed(6);
  const radius = (Math.round(radiusKm * 10) / 10).toFixed(1);
  const name =
    `${NAMES[mix(k ^ 0x51ed270b) % NAMES.length]} ${KINDS[mix(k ^ 0x2545f491) % KINDS.length]}` +
    `, ${city.name}`;
  return {
    id: k,
    name,
    lat,
    lng,
    radiusKm: radius,
    box: boxToWkt(capBox(Number(lat), Number(lng), Number(radius) * 1000)),
    createdAt: dbTime(EPOCH_MS + (mix(k ^ 0x68e31da4) % 1_000_000) * (SPAN_MS / 1_000_000)),
  };
}

/** How many products producer `k` sells in the demo catalog. */
export function productsOfProducer(k: number): number {
  const n = Math.round(Math.exp(PRODUCTS_MU + PRODUCTS_SIGMA * normal(k, 7)));
  return Math.min(PRODUCTS_MAX, Math.max(PRODUCTS_MIN, n));
}

/** `lastProduct[k]`: the number of the last product of producer k (index 0 = 0). */
const lastProduct: number[] = [0];

function extendTo(n: number): void {
  while (lastProduct[lastProduct.length - 1] < n) {
    const k = lastProduct.length;
    lastProduct.push(lastProduct[k - 1] + productsOfProducer(k));
  }
}

/** The producer of demo product `n` (1-based). */
export function producerOf(n: number): number {
  extendTo(n);
  let lo = 1;
  let hi = lastProduct.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (lastProduct[mid] >= n) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}

/** Products `first..last` of producer `k` (the last run may extend past a catalog's end). */
export function productRangeOf(k: number): { first: number; last: number } {
  while (lastProduct.length <= k) {
    extendTo(lastProduct[lastProduct.length - 1] + 1);
  }
  return { first: lastProduct[k - 1] + 1, last: lastProduct[k] };
}

/** The demo producers a catalog of `count` products needs: 1..producerOf(count). */
export function seedProducerCount(count: number): number {
  return count < 1 ? 0 : producerOf(count);
}
