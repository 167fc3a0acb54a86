import { Inject, Injectable } from '@nestjs/common';
import { CANONICAL_PRICE } from '../common/money/price';
import {
  CursorCodec,
  CursorPosition,
  hashQuery,
  InvalidCursorError,
} from '../common/pagination/cursor';
import { productsConfig, ProductsConfig } from '../config/configuration';
import type { ProductResponseDto } from './dto/product.response.dto';
import { canonicalFilters, ListProductsQuery } from './list-products.query';
import type { ComputedPage } from './listing-cache/cache-types';
import type { NearProductRow, NearScope } from './near/near-reader';
import { NearRepository } from './near/near.repository';
import { dbDateTimeToIso, rowToProductResponse } from './product.mapper';
import { PageSpec } from './products-page.sql';
import { NEAR_SORT, SortKey } from './products.constants';
import { ProductsRepository } from './products.repository';

/** A distance in a cursor: the shortest decimal of a finite double ≥ 0 (as JSON writes it). */
const DISTANCE_KEY = /^[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * Computes listing pages from the database: the catalog-wide keyset pages and the near-me
 * pages (docs/near-me.md), each with its signed cursor and the ids of the rows it read.
 */
@Injectable()
export class ListingPages {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly products: ProductsRepository,
    private readonly near: NearRepository,
    @Inject(productsConfig.KEY) config: ProductsConfig,
  ) {
    this.cursors = new CursorCodec(config.cursorSigningKey);
  }

  /** The page `query` asks for, computed from the database (the cache's miss path). */
  async render(query: ListProductsQuery): Promise<ComputedPage> {
    const queryHash = hashQuery(canonicalFilters(query));
    if (query.near !== null) {
      return this.renderNearPage(query, queryHash);
    }
    if (query.sort === NEAR_SORT) {
      throw new Error('sort=distance without near');
    }
    const spec: PageSpec = {
      sort: query.sort,
      order: query.order,
      categories: query.categories,
      minPrice: query.minPrice,
      maxPrice: query.maxPrice,
      inStock: query.inStock,
      q: query.q,
      after:
        query.cursor === null ? null : await this.seekFrom(query.sort, query.cursor, queryHash),
      fetch: query.limit + 1,
    };
    const rows = await this.products.findPage(spec);
    const sort = query.sort;
    return this.pageJson(
      query.limit,
      rows,
      queryHash,
      (row) => row,
      (last) => ({ key: String(last[sort]), id: String(last.id) }),
    );
  }

  /**
   * A page of the products whose producer delivers to `near` (docs/near-me.md), each with
   * its `distance_km`. `sort=distance` pages on (exact distance, id): the cursor carries
   * the last row's distance as the shortest decimal of its double, which parses back to
   * the same double, never a rounded value. Other sorts use near as a filter.
   */
  private async renderNearPage(query: ListProductsQuery, queryHash: string): Promise<ComputedPage> {
    const near = query.near as NonNullable<ListProductsQuery['near']>;
    const scope: NearScope = {
      point: { lat: near.lat, lng: near.lng },
      radiusKm: query.radiusKm,
      filters: {
        categories: query.categories,
        minPrice: query.minPrice,
        maxPrice: query.maxPrice,
        inStock: query.inStock,
        q: query.q,
      },
    };
    const fetch = query.limit + 1;
    const sort = query.sort;
    let rows: NearProductRow[];
    let keyOf: (last: NearProductRow) => string;
    if (sort === NEAR_SORT) {
      const after = query.cursor === null ? null : this.distanceFrom(query.cursor, queryHash);
      rows = await this.near.findDistancePage(scope, after, fetch);
      keyOf = (last) => String(last.distance_m);
    } else {
      let after: { key: string | number; id: number } | null = null;
      if (query.cursor !== null) {
        const seek = await this.seekFrom(sort, query.cursor, queryHash);
        after =
          seek !== null && sort === 'created_at'
            ? { ...seek, key: toDbDateTime(String(seek.key)) }
            : seek;
      }
      rows = await this.near.findSortedPage(scope, {
        sort,
        order: query.order,
        filters: scope.filters,
        after,
        fetch,
      });
      keyOf = (last) =>
        sort === 'created_at' ? dbDateTimeToIso(last.created_at) : String(last[sort]);
    }
    return this.pageJson(query.limit, rows, queryHash, toNearProduct, (last) => ({
      key: keyOf(last),
      id: String(last.id),
    }));
  }

  /** The position a distance cursor points after; InvalidCursorError for anything else. */
  private distanceFrom(cursor: string, queryHash: string): { distanceM: number; id: number } {
    const position = this.cursors.decode(cursor, queryHash);
    const id = Number(position.id);
    const key = position.key;
    if (!Number.isSafeInteger(id) || key === null || !DISTANCE_KEY.test(key)) {
      throw new InvalidCursorError();
    }
    const distanceM = Number(key);
    if (!Number.isFinite(distanceM)) {
      throw new InvalidCursorError();
    }
    return { distanceM, id };
  }

  /** The page's JSON: the first `limit` rows on the wire, and a cursor after the last. */
  private pageJson<T extends { readonly id: number | string }>(
    limit: number,
    rows: readonly T[],
    queryHash: string,
    toWire: (row: T) => unknown,
    positionOf: (last: T) => CursorPosition,
  ): ComputedPage {
    const hasMore = rows.length > limit;
    const page = hasMore ? rows.slice(0, limit) : rows;
    const last = page[page.length - 1];
    const nextCursor =
      hasMore && last !== undefined ? this.cursors.encode(queryHash, positionOf(last)) : null;
    const body = JSON.stringify({
      data: page.map(toWire),
      page: { limit, next_cursor: nextCursor, has_more: hasMore },
    });
    // Every row read (with the one past the page, which decides has_more).
    return { body, ids: rows.map((row) => Number(row.id)) };
  }

  private async seekFrom(
    sort: SortKey,
    cursor: string,
    queryHash: string,
  ): Promise<PageSpec['after']> {
    const position = this.cursors.decode(cursor, queryHash);
    const id = Number(position.id);
    if (!Number.isSafeInteger(id)) {
      throw new InvalidCursorError();
    }
    if (sort === 'id') {
      return { key: id, id };
    }
    const key = position.key ?? (await this.products.findSortKey(sort, id));
    if (key === null) {
      throw new InvalidCursorError(
        'The page this cursor points after no longer exists; start again',
      );
    }
    return { key: toSeekKey(sort, key), id };
  }
}

/** A near-me row on the wire: the product and its `distance_km` (3 decimals). */
function toNearProduct(row: NearProductRow): ProductResponseDto & { distance_km: number } {
  return { ...rowToProductResponse(row), distance_km: Math.round(row.distance_m) / 1000 };
}

/** ISO time → 'YYYY-MM-DD HH:MM:SS.mmm' (UTC), the stored DATETIME(3) text. */
function toDbDateTime(iso: string): string {
  return iso.replace('T', ' ').replace('Z', '');
}

/** Checks a cursor's key against its sort: an ISO time, a canonical price or a name. */
function toSeekKey(sort: SortKey, key: string | number): string {
  const value = String(key);
  if (sort === 'created_at' && !ISO_TIME.test(value)) {
    throw new InvalidCursorError();
  }
  if (sort === 'price' && !CANONICAL_PRICE.pattern.test(value)) {
    throw new InvalidCursorError();
  }
  return value;
}
