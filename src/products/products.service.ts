import { Inject, Injectable } from '@nestjs/common';
import type { EntityManager } from 'typeorm';
import { CachedResponse, CacheResult, ResponseCache } from './listing-cache/response-cache';
import {
  IdempotencyService,
  IdempotentOutcome,
  StoredResponse,
} from '../idempotency/idempotency.service';
import { CursorCodec, hashQuery, InvalidCursorError } from '../common/pagination/cursor';
import { CANONICAL_PRICE, formatPrice } from '../common/money/price';
import { productsConfig, ProductsConfig } from '../config/configuration';
import { MetricsService } from '../metrics/metrics.service';
import type { CreateProductDto } from './dto/create-product.dto';
import type { ProductResponseDto } from './dto/product.response.dto';
import type { UpdateProductDto } from './dto/update-product.dto';
import { canonicalFilters, canonicalQuery, ListProductsQuery } from './list-products.query';
import { dbDateTimeToIso, rowToProductResponse, toProductResponse } from './product.mapper';
import { PageSpec } from './products-page.sql';
import { PRODUCTS_CACHE_NAMESPACE, PRODUCTS_ROUTE, SortKey } from './products.constants';
import { DuplicateSkuError, ProductNotFoundError } from './products.errors';
import {
  isDuplicateKey,
  ProductChanges,
  ProductsRepository,
  toDbDateTime,
} from './products.repository';

export interface ListingResponse extends CachedResponse {
  readonly cache: CacheResult;
}

/** Who performs a write, for idempotency scoping. */
export interface WriteContext {
  readonly principal: string;
  readonly idempotencyKey?: string;
  /** The request body as received, fingerprinted for Idempotency-Key reuse checks. */
  readonly payload: unknown;
}

const DATE_KEY = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/**
 * The product catalog: cached keyset listings, lookups and writes. Every write bumps the
 * listing cache generation after it commits, so listings show it at once.
 */
@Injectable()
export class ProductsService {
  private readonly cursors: CursorCodec;

  constructor(
    private readonly products: ProductsRepository,
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
        key: hashQuery(canonicalQuery(query)),
        ttlS: this.config.cacheTtlS,
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

  async create(dto: CreateProductDto, context: WriteContext): Promise<IdempotentOutcome> {
    const outcome = await this.idempotency.execute(
      { principal: context.principal, method: 'POST', route: PRODUCTS_ROUTE },
      context.idempotencyKey,
      context.payload,
      (manager) => this.insert(manager, dto),
    );
    if (!outcome.replayed) {
      await this.invalidateListings();
    }
    return outcome;
  }

  async update(id: number, dto: UpdateProductDto): Promise<ProductResponseDto> {
    const changes = Object.fromEntries(
      Object.entries(dto).filter(([, value]) => value !== undefined),
    ) as ProductChanges;
    if (changes.price !== undefined) {
      changes.price = formatPrice(changes.price);
    }
    const product = await this.products
      .transaction((manager) => this.products.update(manager, id, changes))
      .catch((error: unknown) => {
        throw isDuplicateKey(error) ? new DuplicateSkuError(dto.sku ?? '') : error;
      });
    if (!product) {
      throw new ProductNotFoundError(id);
    }
    if (Object.keys(changes).length > 0) {
      await this.invalidateListings();
    }
    return toProductResponse(product);
  }

  async remove(id: number): Promise<void> {
    const deleted = await this.products.transaction((manager) => this.products.delete(manager, id));
    if (!deleted) {
      throw new ProductNotFoundError(id);
    }
    await this.invalidateListings();
  }

  /**
   * Applies a partner's stock and/or price to the product with `sku`, inside the caller's
   * transaction. Returns false when no product has that sku. The caller calls
   * `invalidateListings()` after its commit.
   */
  applyPartnerUpdate(
    manager: EntityManager,
    sku: string,
    patch: { stock?: number; price?: string },
  ): Promise<boolean> {
    return this.products.updateBySku(manager, sku, patch);
  }

  /** Makes every cached listing stale at once (bumps the catalog generation). */
  invalidateListings(): Promise<void> {
    return this.cache.invalidate(PRODUCTS_CACHE_NAMESPACE);
  }

  private async insert(manager: EntityManager, dto: CreateProductDto): Promise<StoredResponse> {
    const now = new Date();
    try {
      const product = await this.products.insert(manager, {
        sku: dto.sku,
        name: dto.name,
        description: dto.description ?? null,
        category: dto.category,
        price: formatPrice(dto.price),
        stock: dto.stock,
        createdAt: now,
        updatedAt: now,
      });
      return {
        status: 201,
        headers: { location: `${PRODUCTS_ROUTE}/${product.id}` },
        body: JSON.stringify(toProductResponse(product)),
      };
    } catch (error) {
      throw isDuplicateKey(error) ? new DuplicateSkuError(dto.sku) : error;
    }
  }

  private async renderPage(query: ListProductsQuery): Promise<string> {
    const queryHash = hashQuery(canonicalFilters(query));
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
    const hasMore = rows.length > query.limit;
    const page = hasMore ? rows.slice(0, query.limit) : rows;
    const last = page[page.length - 1];
    const nextCursor =
      hasMore && last
        ? this.cursors.encode(queryHash, {
            key: cursorKey(query.sort, last[query.sort]),
            id: String(last.id),
          })
        : null;
    return JSON.stringify({
      data: page.map(rowToProductResponse),
      page: { limit: query.limit, next_cursor: nextCursor, has_more: hasMore },
    });
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

/** Cursor form of a row's sort key: ISO time, decimal string or name. */
function cursorKey(sort: SortKey, value: unknown): string {
  if (value instanceof Date) {
    return value.toISOString();
  }
  return sort === 'created_at' ? dbDateTimeToIso(String(value)) : String(value);
}

/** Checks a cursor's key against its sort and converts it to what MySQL compares. */
function toSeekKey(sort: SortKey, key: string | number): string {
  const value = String(key);
  if (sort === 'created_at') {
    if (DATE_KEY.test(value)) {
      return toDbDateTime(new Date(value));
    }
    if (/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}\.\d{3}$/.test(value)) {
      return value;
    }
    throw new InvalidCursorError();
  }
  if (sort === 'price' && !CANONICAL_PRICE.pattern.test(value)) {
    throw new InvalidCursorError();
  }
  return value;
}
