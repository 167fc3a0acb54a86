import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, QueryFailedError } from 'typeorm';
import { Product } from './product.entity';
import type { ProductResponseDto } from './dto/product.response.dto';
import { ProductRow, rowToProductResponse } from './product.mapper';
import {
  buildPageQuery,
  buildPrefixCountQuery,
  PageSpec,
  PrefixPlan,
  PRODUCT_COLUMNS,
} from './products-page.sql';
import type { SortKey } from './products.constants';

const ER_DUP_ENTRY = 'ER_DUP_ENTRY';

export function isDuplicateKey(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string } | undefined)?.code === ER_DUP_ENTRY
  );
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

/** What `read` needs of TypeORM's MySQL driver and of a mysql2 pool connection. */
interface ReadConnection {
  query(
    options: { sql: string; values: unknown[]; dateStrings: boolean },
    callback: (error: Error | null, rows: unknown) => void,
  ): void;
  release(): void;
}
interface ReadDriver {
  obtainSlaveConnection(): Promise<ReadConnection>;
}

export type ProductChanges = Partial<
  Pick<Product, 'sku' | 'name' | 'description' | 'category' | 'price' | 'stock'>
>;

/** MySQL access for products. Listings are raw SQL mapped straight to the wire. */
@Injectable()
export class ProductsRepository {
  /** Page queries this instance has sent to MySQL (lets tests see cache coalescing). */
  pageQueries = 0;

  private readonly prefixPlans = new Map<string, { plan: PrefixPlan; until: number }>();

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /**
   * Reads one keyset page (read replica when configured). DATETIME columns come back as
   * the text MySQL sent (`YYYY-MM-DD HH:MM:SS.mmm`, UTC): the wire wants ISO strings, so
   * parsing each into a Date only to format it again is skipped.
   */
  async findPage(spec: PageSpec): Promise<ProductRow[]> {
    const { sql, params } = buildPageQuery(spec, await this.prefixPlan(spec));
    this.pageQueries += 1;
    return (await this.read(sql, params, true)) as ProductRow[];
  }

  /** Range or walk for a `q` prefix under another sort, from a bounded count of matches. */
  private async prefixPlan(spec: PageSpec): Promise<PrefixPlan> {
    if (spec.q === null || spec.sort === 'name') {
      return 'walk';
    }
    const key = `${spec.categories.join(',')}\n${spec.q.toLowerCase()}`;
    const now = Date.now();
    const known = this.prefixPlans.get(key);
    if (known && known.until > now) {
      return known.plan;
    }
    const max =
      spec.categories.length === 0
        ? PREFIX_RANGE_MAX_ROWS
        : PREFIX_RANGE_MAX_ROWS_PER_CATEGORY * spec.categories.length;
    const { sql, params } = buildPrefixCountQuery(spec.categories, spec.q, max + 1);
    const rows = (await this.read(sql, params)) as { n: number | string }[];
    const plan: PrefixPlan = Number(rows[0]?.n ?? 0) <= max ? 'range' : 'walk';
    if (this.prefixPlans.size >= PREFIX_PLAN_CACHE_MAX) {
      this.prefixPlans.clear();
    }
    this.prefixPlans.set(key, { plan, until: now + PREFIX_PLAN_TTL_MS });
    return plan;
  }

  /** The sort key of a product in the form the seek predicate compares, or null if gone. */
  async findSortKey(sort: SortKey, id: number): Promise<string | number | null> {
    const rows = (await this.read(`SELECT ${sort} AS k FROM products WHERE id = ?`, [id])) as {
      k: unknown;
    }[];
    if (rows.length === 0) {
      return null;
    }
    const key = rows[0].k;
    return key instanceof Date ? toDbDateTime(key) : (key as string | number);
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

  async insert(manager: EntityManager, product: Omit<Product, 'id'>): Promise<Product> {
    const result = await manager.insert(Product, product);
    const id = Number((result.identifiers[0] as { id: number | string }).id);
    return { ...product, id };
  }

  /** Applies `changes` and returns the row after the update, or null when absent. */
  async update(
    manager: EntityManager,
    id: number,
    changes: ProductChanges,
  ): Promise<Product | null> {
    const current = await manager.findOne(Product, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!current) {
      return null;
    }
    if (Object.keys(changes).length === 0) {
      return current;
    }
    const updatedAt = new Date();
    await manager.update(Product, { id }, { ...changes, updatedAt });
    return { ...current, ...changes, updatedAt };
  }

  async delete(manager: EntityManager, id: number): Promise<boolean> {
    const result = await manager.delete(Product, { id });
    return (result.affected ?? 0) > 0;
  }

  /** Locks the row of `sku` and applies a partner's stock/price; false when unknown. */
  /** Inside a transaction: locks the row of `sku` (FOR UPDATE); false when there is none. */
  async lockBySku(manager: EntityManager, sku: string): Promise<boolean> {
    const rows = await manager.query<unknown[]>(
      'SELECT id FROM products WHERE sku = ? FOR UPDATE',
      [sku],
    );
    return rows.length > 0;
  }

  async updateBySku(
    manager: EntityManager,
    sku: string,
    patch: { stock?: number; price?: string },
  ): Promise<boolean> {
    const rows = await manager.query<{ id: string }[]>(
      'SELECT id FROM products WHERE sku = ? FOR UPDATE',
      [sku],
    );
    if (rows.length === 0) {
      return false;
    }
    const changes: ProductChanges & { updatedAt: Date } = { updatedAt: new Date() };
    if (patch.stock !== undefined) {
      changes.stock = patch.stock;
    }
    if (patch.price !== undefined) {
      changes.price = patch.price;
    }
    await manager.update(Product, { id: Number(rows[0].id) }, changes);
    return true;
  }

  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T> {
    return this.dataSource.transaction(work);
  }

  /**
   * One read statement on a pooled connection, from the replicas when replication is
   * configured (the same pools TypeORM's 'slave' query runner draws from), without a
   * query runner per read: no logger, subscriber broadcast or result copy on the hot
   * path. Failures are QueryFailedError, as from TypeORM.
   */
  private async read(sql: string, params: unknown[], dateStrings = false): Promise<unknown> {
    const driver = this.dataSource.driver as unknown as ReadDriver;
    const connection = await driver.obtainSlaveConnection();
    return new Promise((resolve, reject) => {
      connection.query({ sql, values: params, dateStrings }, (error, rows) => {
        connection.release();
        if (error) {
          reject(new QueryFailedError(sql, params, error));
        } else {
          resolve(rows);
        }
      });
    });
  }
}

/** Date → 'YYYY-MM-DD HH:MM:SS.mmm' (UTC), the literal DATETIME(3) compares against. */
export function toDbDateTime(date: Date): string {
  return date.toISOString().replace('T', ' ').replace('Z', '');
}
