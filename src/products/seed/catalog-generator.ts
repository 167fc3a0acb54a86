import { producerOf } from './producer-generator';
import { mix } from './seed-random';

/**
 * Deterministic demo catalog (word lists hold no tab, newline or backslash, so rows need
 * no LOAD DATA escaping): row `n` is always the same product, so a seed run for a
 * given count is repeatable and reruns only add what is missing.
 */
export const SEED_SKU_PREFIX = 'SEED-';
const SKU_DIGITS = 8;
const EPOCH_MS = Date.UTC(2024, 0, 1);
const SPAN_MS = 2 * 365 * 24 * 60 * 60 * 1000;

const CATALOG: Record<string, string[]> = {
  fruits: [
    'Alphonso Mango',
    'Banana',
    'Guava',
    'Papaya',
    'Pomegranate',
    'Apple',
    'Orange',
    'Grapes',
  ],
  vegetables: ['Tomato', 'Onion', 'Potato', 'Okra', 'Spinach', 'Cauliflower', 'Brinjal', 'Carrot'],
  dairy: ['Cow Milk', 'Buffalo Milk', 'Paneer', 'Curd', 'Ghee', 'Butter', 'Cheese', 'Buttermilk'],
  bakery: ['Whole Wheat Bread', 'Pav', 'Rusk', 'Multigrain Loaf', 'Cookies', 'Sourdough'],
  beverages: ['Masala Chai', 'Filter Coffee', 'Green Tea', 'Coconut Water', 'Kokum Sherbet'],
  spices: ['Turmeric', 'Red Chilli', 'Coriander Powder', 'Cumin', 'Garam Masala', 'Cardamom'],
  grains: ['Basmati Rice', 'Sona Masoori Rice', 'Wheat Atta', 'Jowar', 'Bajra', 'Ragi'],
  pulses: ['Toor Dal', 'Moong Dal', 'Chana Dal', 'Masoor Dal', 'Urad Dal', 'Rajma'],
  oils: ['Groundnut Oil', 'Mustard Oil', 'Coconut Oil', 'Sesame Oil', 'Sunflower Oil'],
  snacks: ['Banana Chips', 'Chakli', 'Makhana', 'Khakhra', 'Bhujia', 'Peanut Chikki'],
  meat: ['Chicken Breast', 'Mutton Curry Cut', 'Chicken Drumsticks', 'Mutton Keema'],
  seafood: ['Pomfret', 'Surmai', 'Prawns', 'Bangda', 'Rohu', 'Crab'],
  eggs: ['Brown Eggs', 'Country Eggs', 'Duck Eggs', 'Quail Eggs'],
  herbs: ['Curry Leaves', 'Mint', 'Coriander Leaves', 'Fenugreek Leaves', 'Basil'],
  nuts: ['Cashew', 'Almond', 'Walnut', 'Peanut', 'Pistachio'],
  'dry-fruits': ['Raisins', 'Dates', 'Dried Figs', 'Apricots', 'Prunes'],
  sweets: ['Jaggery', 'Gulab Jamun', 'Kaju Katli', 'Mysore Pak', 'Rasgulla'],
  pickles: ['Mango Pickle', 'Lemon Pickle', 'Garlic Pickle', 'Mixed Pickle'],
  honey: ['Wild Honey', 'Forest Honey', 'Multiflora Honey', 'Litchi Honey'],
  frozen: ['Green Peas', 'Sweet Corn', 'Paratha', 'Momos', 'Mixed Vegetables'],
};
export const SEED_CATEGORIES = Object.keys(CATALOG);
const LOWER: Record<string, string> = Object.fromEntries(
  Object.values(CATALOG)
    .flat()
    .map((item) => [item, item.toLowerCase()]),
);

const QUALIFIERS = [
  'Organic',
  'Fresh',
  'Farm',
  'Premium',
  'Local',
  'Desi',
  'Handpicked',
  'Natural',
  'Village',
  'Heritage',
  'Golden',
  'Green',
  'Pure',
  'Select',
  'Classic',
  'Royal',
  'Daily',
  'Harvest',
  'Hill',
  'Coastal',
  'Valley',
  'Sunrise',
  'Monsoon',
  'Spring',
  'Kisan',
  'Gram',
  'Ananda',
  'Amrit',
  'Bharat',
  'Zesty',
];
const PACKS = [
  '250 g',
  '500 g',
  '1 kg',
  '2 kg',
  '5 kg',
  '200 ml',
  '500 ml',
  '1 l',
  'pack of 6',
  'pack of 12',
];
const ORIGINS = [
  'Ratnagiri',
  'Nashik',
  'Kolar',
  'Coorg',
  'Anand',
  'Guntur',
  'Shimla',
  'Erode',
  'Mysuru',
  'Alibag',
];

/** One generated product, in `products` column order minus id and producer. */
export interface SeedProduct {
  readonly sku: string;
  readonly name: string;
  readonly description: string | null;
  readonly category: string;
  readonly price: string;
  readonly stock: number;
  /** 'YYYY-MM-DD HH:MM:SS.mmm' UTC. */
  readonly createdAt: string;
}

export function seedSku(n: number): string {
  return `${SEED_SKU_PREFIX}${String(n).padStart(SKU_DIGITS, '0')}`;
}

export function seedIndexOf(sku: string): number {
  return Number(sku.slice(SEED_SKU_PREFIX.length));
}

function dbTime(ms: number): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 23)}`;
}

/** Product number `n` (1-based) of the demo catalog. */
export function generateProduct(n: number): SeedProduct {
  const a = mix(n);
  const b = mix(a ^ 0x9e3779b9);
  const c = mix(b + n);
  const category = SEED_CATEGORIES[a % SEED_CATEGORIES.length];
  const items = CATALOG[category];
  const item = items[(a >>> 8) % items.length];
  // From its own mix: derived from `b`, the qualifier (the first word of the name, what
  // short `q` prefixes match) followed the price, so "Organic" was rare among the
  // dearest products and a `q` listing sorted by price walked far to fill a page.
  const qualifier = QUALIFIERS[mix(c ^ 0x85ebca6b) % QUALIFIERS.length];
  const pack = PACKS[(c >>> 3) % PACKS.length];
  // ~3,000 distinct prices, so many products share a price (ties for keyset paging).
  const rupees = 10 + (b % 990);
  const paise = ['00', '50', '99'][(c >>> 11) % 3];
  const withDescription = c % 5 !== 0;
  return {
    sku: seedSku(n),
    name: `${qualifier} ${item} ${pack}`,
    description: withDescription
      ? `${qualifier} ${LOWER[item]} from ${ORIGINS[(a >>> 16) % ORIGINS.length]}, ${pack}.`
      : null,
    category,
    price: `${rupees}.${paise}`,
    stock: c % 10 === 0 ? 0 : (c >>> 7) % 500,
    createdAt: dbTime(EPOCH_MS + (((a >>> 1) * 1000 + (b % 1000)) % SPAN_MS)),
  };
}

/** Longest generated row in bytes, with room to spare. */
const MAX_ROW_BYTES = 256;

/**
 * Rows `from..to` (inclusive) as LOAD DATA text: tab-separated, `\N` for NULL. The first
 * field is the id: `n` itself with `explicitIds`, else `\N` (auto-increment); the last
 * is the producer (producer-generator.ts).
 */
export function toTsv(from: number, to: number, explicitIds: boolean): Buffer {
  const buffer = Buffer.allocUnsafe((to - from + 1) * MAX_ROW_BYTES);
  let offset = 0;
  for (let n = from; n <= to; n += 1) {
    const p = generateProduct(n);
    offset += buffer.write(
      `${explicitIds ? n : '\\N'}\t${p.sku}\t${p.name}\t${p.description ?? '\\N'}\t` +
        `${p.category}\t${p.price}\t${p.stock}\t${p.createdAt}\t${p.createdAt}\t${producerOf(n)}\n`,
      offset,
    );
  }
  return buffer.subarray(0, offset);
}

/** One row of `toTsv` as values for a multi-row INSERT (`null` id = auto-increment). */
export type SeedRow = [
  number | null,
  string,
  string,
  string | null,
  string,
  string,
  number,
  string,
  string,
  number,
];

/** Rows `from..to` (inclusive) as INSERT values, in the column order of `toTsv`. */
export function toRows(from: number, to: number, explicitIds: boolean): SeedRow[] {
  const rows: SeedRow[] = [];
  for (let n = from; n <= to; n += 1) {
    const p = generateProduct(n);
    rows.push([
      explicitIds ? n : null,
      p.sku,
      p.name,
      p.description,
      p.category,
      p.price,
      p.stock,
      p.createdAt,
      p.createdAt,
      producerOf(n),
    ]);
  }
  return rows;
}
