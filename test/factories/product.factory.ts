import type { Connection } from 'mysql2/promise';

export interface ProductSeed {
  sku: string;
  name: string;
  description: string | null;
  category: string;
  price: string;
  stock: number;
  created_at: string;
  updated_at: string;
}

let sequence = 0;

/** A valid product row with a unique sku; `overrides` win. */
export function buildProduct(overrides: Partial<ProductSeed> = {}): ProductSeed {
  sequence += 1;
  const stamp = '2025-01-01 00:00:00.000';
  return {
    sku: `TEST-${process.pid}-${Date.now().toString(36)}-${sequence}`,
    name: `Product ${sequence}`,
    description: null,
    category: 'test',
    price: '10.00',
    stock: 5,
    created_at: stamp,
    updated_at: stamp,
    ...overrides,
  };
}

/**
 * Rows with deliberate ties on every sort key: few distinct prices, names and timestamps,
 * mixed case, LIKE wildcards and quotes in names, several categories, some out of stock.
 */
export function buildTiedProducts(count: number): ProductSeed[] {
  const categories = ['fruits', 'vegetables', 'dairy', 'Bakery', 'spices', "o'reilly"];
  const names = ['apple', 'Apple', 'apricot', 'banana', '50% off', 'a_b', "chef's mix", 'Ápple'];
  return Array.from({ length: count }, (_, i) => {
    const day = String(1 + (i % 7)).padStart(2, '0');
    const ms = String((i * 37) % 3).padStart(3, '0');
    const stamp = `2025-03-${day} 10:00:00.${ms}`;
    return buildProduct({
      name: `${names[i % names.length]} ${i % 5}`,
      category: categories[i % categories.length],
      price: `${(i * 7) % 13}.${i % 2 === 0 ? '00' : '50'}`,
      stock: i % 4 === 0 ? 0 : i % 9,
      created_at: stamp,
      updated_at: stamp,
      description: i % 3 === 0 ? null : `desc ${i}`,
    });
  });
}

const COLUMNS = [
  'sku',
  'name',
  'description',
  'category',
  'price',
  'stock',
  'created_at',
  'updated_at',
] as const;

/** Inserts rows with multi-row INSERTs and returns their ids in order. */
export async function insertProducts(db: Connection, rows: ProductSeed[]): Promise<number[]> {
  const ids: number[] = [];
  for (let start = 0; start < rows.length; start += 1000) {
    const batch = rows.slice(start, start + 1000);
    const [result] = await db.query(`INSERT INTO products (${COLUMNS.join(', ')}) VALUES ?`, [
      batch.map((row) => COLUMNS.map((column) => row[column])),
    ]);
    const first = Number((result as { insertId: number }).insertId);
    ids.push(...batch.map((_, i) => first + i));
  }
  return ids;
}

/** Inserts one product and returns its id. */
export async function createProduct(
  db: Connection,
  overrides: Partial<ProductSeed> = {},
): Promise<number> {
  const [id] = await insertProducts(db, [buildProduct(overrides)]);
  return id;
}
