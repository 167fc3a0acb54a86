import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth';
import type { Transaction } from '../common/database/unit-of-work';
import { CANONICAL_PRICE, formatPrice } from '../common/money/price';
import {
  CursorCodec,
  CursorPosition,
  hashQuery,
  InvalidCursorError,
} from '../common/pagination/cursor';
import { productsConfig, ProductsConfig } from '../config/configuration';
import { IdempotencyService, IdempotentOutcome, IdempotentRequest } from '../idempotency';
import { MetricsService } from '../metrics';
import { NearRepository } from './near/near.repository';
import type { NearProductRow, NearScope } from './near/near-reader';
import type { CreateProductDto } from './dto/create-product.dto';
import type { ProductResponseDto } from './dto/product.response.dto';
import type { UpdateProductDto } from './dto/update-product.dto';
import { canonicalFilters, canonicalQuery, ListProductsQuery } from './list-products.query';
import type { ProductChange } from './listing-cache/change-feed';
import {
  CachedResponse,
  CacheResult,
  ComputedPage,
  ResponseCache,
} from './listing-cache/response-cache';
import { changeReaches } from './listing-scope';
import { dbDateTimeToIso, rowToProductResponse, toProductResponse } from './product.mapper';
import { PageSpec } from './products-page.sql';
import { LISTING_FORMAT, NEAR_SORT, PRODUCTS_CACHE_NAMESPACE, SortKey } from './products.constants';
import { ForeignProducerError, ProductNotFoundError } from './products.errors';
import { ProductChanges, ProductOwner, ProductsRepository } from './products.repository';

export interface ListingResponse extends CachedResponse {
  readonly cache: CacheResult;
}

/** A distance in a cursor: the shortest decimal of a finite double ≥ 0 (as JSON writes it). */
const DISTANCE_KEY = /^[0-9]+(\.[0-9]+)?(e[+-]?[0-9]+)?$/;

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The product catalog: cached keyset listings, lookups and writes. Every write bumps the
 * listing cache generation after it commits, so listings show it at once.
 */
@Injectable()
export class ProductsService {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly products: ProductsRepository,
    private readonly near: NearRepository,
    private readonly cache: ResponseCache,
    private readonly idempotency: IdempotencyService,
    private readonly metrics: MetricsService,
    @Inject(productsConfig.KEY) private readonly config: ProductsConfig,
  ) {
    this.cursors = new CursorCodec(config.cursorSigningKey);
  }

  /** One page as serialized JSON plus its ETag, from the response cache when possible. */
  async list(query: ListProductsQuery): Promise<ListingResponse> {
    const { response, result, layer } = await this.cache.getOrCompute(
      {
        namespace: PRODUCTS_CACHE_NAMESPACE,
        key: `${LISTING_FORMAT}:${hashQuery(canonicalQuery(query))}`,
        ttlS: this.config.cacheTtlS,
        reaches: changeReaches(query),
      },
      () => this.renderPage(query),
    );
    this.metrics.productsCache.inc({ result });
    if (layer === 'memory') {
      this.metrics.productsCacheMemoryHits.inc();
    }
    return { ...response, cache: result };
  }

  async get(id: number): Promise<ProductResponseDto> {
    const product = await this.products.findResponseById(id);
    if (!product) {
      throw new ProductNotFoundError(id);
    }
    return product;
  }

  /**
   * Inserts a product; with an Idempotency-Key, a repeat of the request gets the first
   * response again (`request.render` of the product is what is stored and replayed). A
   * token acting for a producer creates that producer's products only.
   */
  async create(
    dto: CreateProductDto,
    user: AuthenticatedUser,
    request: IdempotentRequest<ProductResponseDto>,
  ): Promise<IdempotentOutcome> {
    const producerId = producerFor(user, dto.producer_id) ?? null;
    const outcome = await this.idempotency.execute(request, (tx) =>
      this.insert(tx, dto, producerId),
    );
    if (!outcome.replayed) {
      await this.invalidateListings();
    }
    return outcome;
  }

  /**
   * A token acting for a producer changes only that producer's products: any other
   * product answers 404 as if absent, and it cannot give its product to another producer.
   */
  async update(
    id: number,
    dto: UpdateProductDto,
    user: AuthenticatedUser,
  ): Promise<ProductResponseDto> {
    const { producer_id: producerId, ...fields } = dto;
    const changes = Object.fromEntries(
      Object.entries(fields).filter(([, value]) => value !== undefined),
    ) as ProductChanges;
    if (changes.price !== undefined) {
      changes.price = formatPrice(changes.price);
    }
    if (producerId !== undefined) {
      changes.producerId = producerFor(user, producerId);
    }
    const product = await this.products.update(id, changes, ownerOf(user));
    if (!product) {
      throw new ProductNotFoundError(id);
    }
    if (Object.keys(changes).length > 0) {
      await this.invalidateListings();
    }
    return toProductResponse(product);
  }

  /** A token acting for a producer deletes only that producer's products (else 404). */
  async remove(id: number, user: AuthenticatedUser): Promise<void> {
    const deleted = await this.products.delete(id, ownerOf(user));
    if (!deleted) {
      throw new ProductNotFoundError(id);
    }
    await this.invalidateListings();
  }

  /** Inside a partner-update transaction: locks the product with `sku`; false if none. */
  lockPartnerProduct(tx: Transaction, sku: string): Promise<boolean> {
    return this.products.lockBySku(tx, sku);
  }

  /**
   * Applies a partner's stock and/or price to the product with `sku`, inside the caller's
   * transaction. Returns false when no product has that sku. The caller calls
   * `invalidateListings()` after its commit.
   */

  applyPartnerUpdate(
    tx: Transaction,
    sku: string,
    patch: { stock?: number; price?: string },
  ): Promise<boolean> {
    return this.products.updateBySku(tx, sku, patch);
  }

  /**
   * Like `applyPartnerUpdate`, returning what changed (for `publishChanges` after the
   * commit), or null when no product has that sku.
   */
  applyPartnerChange(
    tx: Transaction,
    sku: string,
    patch: { stock?: number; price?: string },
  ): Promise<ProductChange | null> {
    return this.products.changeBySku(tx, sku, patch);
  }

  /**
   * After the commit of stock/price changes: drops the cached listings they can alter
   * (pages holding the product, pages whose filters or order it can enter), on this
   * instance before it resolves, on the others within FEED_POLL_MS.
   */
  publishChanges(changes: readonly ProductChange[]): Promise<void> {
    return this.cache.publishChanges(PRODUCTS_CACHE_NAMESPACE, changes);
  }

  /** Makes every cached listing stale at once (bumps the catalog generation). */
  invalidateListings(): Promise<void> {
    return this.cache.invalidate(PRODUCTS_CACHE_NAMESPACE);
  }

  private async insert(
    tx: Transaction,
    dto: CreateProductDto,
    producerId: number | null,
  ): Promise<ProductResponseDto> {
    const now = new Date();
    const product = await this.products.insert(tx, {
      sku: dto.sku,
      name: dto.name,
      description: dto.description ?? null,
      category: dto.category,
      price: formatPrice(dto.price),
      stock: dto.stock,
      producerId,
      createdAt: now,
      updatedAt: now,
    });
    return toProductResponse(product);
  }

  private async renderPage(query: ListProductsQuery): Promise<ComputedPage> {
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

/** Whose products `user` may write: all (platform token) or its producer's. */
function ownerOf(user: AuthenticatedUser): ProductOwner {
  return user.producerId;
}

/**
 * The producer a write gives a product: as asked for a platform token; a token acting for
 * a producer gets its own whether it names it or not, and naming another (or none) is
 * refused before anything is read, so the answer says nothing about what exists.
 */
function producerFor(
  user: AuthenticatedUser,
  requested: number | null | undefined,
): number | null | undefined {
  if (user.producerId === undefined) {
    return requested;
  }
  if (requested !== undefined && requested !== user.producerId) {
    throw new ForeignProducerError(user.producerId);
  }
  return user.producerId;
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
