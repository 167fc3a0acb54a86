import type { ProductChange } from './listing-cache/change-feed';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { LRUCache } from 'lru-cache';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { managerOf, Transaction } from '../common/database/unit-of-work';
import type { ProductResponseDto } from './dto/product.response.dto';
import { Product } from './product.entity';
import { ProductRow, rowToProductResponse } from './product.mapper';
import {
  buildPageQuery,
  buildPrefixCountQuery,
  PageSpec,
  PrefixPlan,
  PRODUCT_COLUMNS,
} from './products-page.sql';
import type { SortKey } from './products.constants';
import { DuplicateSkuError, UnknownProducerError } from './products.errors';

const ER_DUP_ENTRY = 'ER_DUP_ENTRY';
/** A foreign key refused a child row (1452; 1216 is the older servers' form). */
const NO_REFERENCED_ROW = new Set(['ER_NO_REFERENCED_ROW_2', 'ER_NO_REFERENCED_ROW']);

function driverCode(error: unknown): string | undefined {
  return error instanceof QueryFailedError
    ? (error.driverError as { code?: string } | undefined)?.code
    : undefined;
}

function isDuplicateKey(error: unknown): boolean {
  return driverCode(error) === ER_DUP_ENTRY;
}

/** The storage error of a write as the caller's error: a taken sku, an unknown producer. */
function writeError(error: unknown, sku: string, producerId: number | null | undefined): unknown {
  if (isDuplicateKey(error)) {
    return new DuplicateSkuError(sku);
  }
  const code = driverCode(error);
  if (code !== undefined && NO_REFERENCED_ROW.has(code) && typeof producerId === 'number') {
    return new UnknownProducerError(producerId);
  }
  return error;
}

/**
 * A `q` prefix with a sort other than `name`: read the prefix range and sort its matches
 * when it matches at most this many rows (per category when categories are given), else
 * walk the sort index. Walking costs about page size × rows in scope ÷ matches index
 * entries; the range costs a row read per match, several times an index entry.
 */
const PREFIX_RANGE_MAX_ROWS = 1_000;
const PREFIX_RANGE_MAX_ROWS_PER_CATEGORY = 300;
/** Plan choices are kept briefly per (categories, prefix): counts drift slowly. */
const PREFIX_PLAN_TTL_MS = 60_000;
const PREFIX_PLAN_CACHE_MAX = 10_000;

/** What `read` needs of the connection a query runner hands out (a mysql2 pool connection). */
interface ReadConnection {
  query(
    options: { sql: string; values: unknown[]; dateStrings: boolean },
    callback: (error: Error | null, rows: unknown) => void,
  ): void;
}

export type ProductChanges = Partial<
  Pick<Product, 'sku' | 'name' | 'description' | 'category' | 'price' | 'stock' | 'producerId'>
>;

/**
 * Whose products a write may touch: `undefined` any product (a platform token), a number
 * only the products of that producer (a token acting for it).
 */
export type ProductOwner = number | undefined;

/**
 * MySQL access for products. Listings are raw SQL mapped straight to the wire shape; the
 * storage forms (DATETIME text, duplicate-key errors) do not leave this class.
 */
@Injectable()
export class ProductsRepository {
  /** Page queries this instance has sent to MySQL (lets tests see cache coalescing). */
  pageQueries = 0;

  private readonly prefixPlans = new LRUCache<string, PrefixPlan>({
    max: PREFIX_PLAN_CACHE_MAX,
    ttl: PREFIX_PLAN_TTL_MS,
  });

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Reads one keyset page (read replica when configured). `spec.after.key` is the cursor's
   * form of the sort key (ISO time, decimal string, name). DATETIME columns come back as
   * the text MySQL sent (`YYYY-MM-DD HH:MM:SS.mmm`, UTC), which maps to ISO strings
   * without parsing each into a Date.
   */
  async findPage(spec: PageSpec): Promise<ProductResponseDto[]> {
    const stored =
      spec.after !== null && spec.sort === 'created_at'
        ? { ...spec, after: { ...spec.after, key: toDbDateTime(new Date(spec.after.key)) } }
        : spec;
    const { sql, params } = buildPageQuery(stored, await this.prefixPlan(spec));
    this.pageQueries += 1;
    const rows = (await this.read(sql, params, true)) as ProductRow[];
    return rows.map(rowToProductResponse);
  }

  /** Range or walk for a `q` prefix under another sort, from a bounded count of matches. */
  private async prefixPlan(spec: PageSpec): Promise<PrefixPlan> {
    if (spec.q === null || spec.sort === 'name') {
      return 'walk';
    }
    const key = `${spec.categories.join(',')}\n${spec.q.toLowerCase()}`;
    const known = this.prefixPlans.get(key);
    if (known !== undefined) {
      return known;
    }
    const max =
      spec.categories.length === 0
        ? PREFIX_RANGE_MAX_ROWS
        : PREFIX_RANGE_MAX_ROWS_PER_CATEGORY * spec.categories.length;
    const { sql, params } = buildPrefixCountQuery(spec.categories, spec.q, max + 1);
    const rows = (await this.read(sql, params)) as { n: number | string }[];
    const plan: PrefixPlan = Number(rows[0]?.n ?? 0) <= max ? 'range' : 'walk';
    this.prefixPlans.set(key, plan);
    return plan;
  }

  /** The sort key of a product in its cursor form (ISO time for dates), or null if gone. */
  async findSortKey(sort: SortKey, id: number): Promise<string | number | null> {
    const rows = (await this.read(`SELECT ${sort} AS k FROM products WHERE id = ?`, [id])) as {
      k: unknown;
    }[];
    if (rows.length === 0) {
      return null;
    }
    const key = rows[0].k;
    return key instanceof Date ? key.toISOString() : (key as string | number);
  }

  /** One product by primary key, as the wire shows it: the listing's raw read and mapping. */
  async findResponseById(id: number): Promise<ProductResponseDto | null> {
    const rows = (await this.read(
      `SELECT ${PRODUCT_COLUMNS} FROM products WHERE id = ?`,
      [id],
      true,
    )) as ProductRow[];
    return rows[0] ? rowToProductResponse(rows[0]) : null;
  }

  /**
   * Inserts a product in the caller's transaction; DuplicateSkuError when the sku is taken,
   * UnknownProducerError when the foreign key finds no such producer (the statement fails,
   * so the caller's transaction rolls back with nothing written).
   */
  async insert(tx: Transaction, product: Omit<Product, 'id'>): Promise<Product> {
    try {
      const result = await managerOf(tx).insert(Product, product);
      const id = Number((result.identifiers[0] as { id: number | string }).id);
      return { ...product, id };
    } catch (error) {
      throw writeError(error, product.sku, product.producerId);
    }
  }

  /**
   * Applies `changes` in a transaction of its own and returns the row after the update, or
   * null when there is no such product of `owner`; DuplicateSkuError when the new sku is
   * taken, UnknownProducerError when the new producer does not exist.
   */
  async update(id: number, changes: ProductChanges, owner: ProductOwner): Promise<Product | null> {
    try {
      return await this.dataSource.transaction((manager) =>
        updateLocked(manager, id, changes, owner),
      );
    } catch (error) {
      throw writeError(error, changes.sku ?? '', changes.producerId);
    }
  }

  /** Deletes the product if it is one of `owner`'s: `DELETE … WHERE id = ? [AND producer_id = ?]`. */
  async delete(id: number, owner: ProductOwner): Promise<boolean> {
    const result = await this.dataSource.transaction((manager) =>
      manager.delete(Product, ownedBy(id, owner)),
    );
    return (result.affected ?? 0) > 0;
  }

  /** Inside a transaction: locks the row of `sku` (FOR UPDATE); false when there is none. */
  async lockBySku(tx: Transaction, sku: string): Promise<boolean> {
    const rows = await managerOf(tx).query<unknown[]>(
      'SELECT id FROM products WHERE sku = ? FOR UPDATE',
      [sku],
    );
    return rows.length > 0;
  }

  /** Locks the row of `sku` and applies a partner's stock/price; false when unknown. */
  async updateBySku(
    tx: Transaction,
    sku: string,
    patch: { stock?: number; price?: string },
  ): Promise<boolean> {
    return (await this.changeBySku(tx, sku, patch)) !== null;
  }

  /**
   * Locks the row of `sku` and applies a partner's stock/price; what changed (the
   * product's category, stock and price before and after), or null when unknown.
   */
  async changeBySku(
    tx: Transaction,
    sku: string,
    patch: { stock?: number; price?: string },
  ): Promise<ProductChange | null> {
    const manager = managerOf(tx);
    const rows = await manager.query<
      { id: string | number; category: string; price: string; stock: string | number }[]
    >('SELECT id, category, price, stock FROM products WHERE sku = ? FOR UPDATE', [sku]);
    if (rows.length === 0) {
      return null;
    }
    const row = rows[0];
    const changes: ProductChanges & { updatedAt: Date } = { updatedAt: new Date() };
    if (patch.stock !== undefined) {
      changes.stock = patch.stock;
    }
    if (patch.price !== undefined) {
      changes.price = patch.price;
    }
    await manager.update(Product, { id: Number(row.id) }, changes);
    const before = { price: String(row.price), stock: Number(row.stock) };
    return {
      id: Number(row.id),
      category: row.category,
      before,
      after: { price: patch.price ?? before.price, stock: patch.stock ?? before.stock },
    };
  }

  /**
   * One read statement, from the replicas when replication is configured: the driver's
   * 'slave' query runner picks the pool (TypeORM's replication API) and the statement is
   * sent on the connection it hands out, with mysql2's per-query `dateStrings`. The runner
   * is the driver's own, without the entity manager `DataSource.createQueryRunner` adds,
   * and the statement skips the runner's logger and subscriber events: this is the
   * listing's miss path. Failures are QueryFailedError, as from TypeORM.
   */
  private async read(sql: string, params: unknown[], dateStrings = false): Promise<unknown> {
    const runner = this.dataSource.driver.createQueryRunner('slave');
    const connection = (await runner.connect()) as ReadConnection;
    return new Promise((resolve, reject) => {
      connection.query({ sql, values: params, dateStrings }, (error, rows) => {
        void runner.release();
        if (error) {
          reject(new QueryFailedError(sql, params, error));
        } else {
          resolve(rows);
        }
      });
    });
  }
}

/** `id = ?`, and `producer_id = ?` when the write is limited to one producer's products. */
function ownedBy(id: number, owner: ProductOwner): { id: number; producerId?: number } {
  return owner === undefined ? { id } : { id, producerId: owner };
}

/**
 * The ownership test is part of the locking read (`SELECT … WHERE id = ? AND producer_id = ?
 * FOR UPDATE`) and of the UPDATE's own WHERE: a product that is not the owner's, or stops
 * being it before the lock is granted, is neither read nor written.
 */
async function updateLocked(
  manager: EntityManager,
  id: number,
  changes: ProductChanges,
  owner: ProductOwner,
): Promise<Product | null> {
  const where = ownedBy(id, owner);
  const current = await manager.findOne(Product, {
    where,
    lock: { mode: 'pessimistic_write' },
  });
  if (!current) {
    return null;
  }
  if (Object.keys(changes).length === 0) {
    return current;
  }
  const updatedAt = new Date();
  await manager.update(Product, where, { ...changes, updatedAt });
  return { ...current, ...changes, updatedAt };
}

/** Date → 'YYYY-MM-DD HH:MM:SS.mmm' (UTC), the literal DATETIME(3) compares against. */
function toDbDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
