import { Inject, Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth';
import type { Transaction } from '../common/database/unit-of-work';
import { formatPrice } from '../common/money/price';
import { hashQuery } from '../common/pagination/cursor';
import { productsConfig, ProductsConfig } from '../config/configuration';
import { IdempotencyService, IdempotentOutcome, IdempotentRequest } from '../idempotency';
import { MetricsService } from '../metrics';
import { ListingPages } from './listing-pages';
import type { CreateProductDto } from './dto/create-product.dto';
import type { ProductResponseDto } from './dto/product.response.dto';
import type { UpdateProductDto } from './dto/update-product.dto';
import { canonicalQuery, ListProductsQuery } from './list-products.query';
import type { CachedResponse, CacheResult } from './listing-cache/cache-types';
import type { ProductChange } from './listing-cache/change-feed';
import { ResponseCache } from './listing-cache/response-cache';
import { changeReaches } from './listing-scope';
import { toProductResponse } from './product.mapper';
import { LISTING_FORMAT, PRODUCTS_CACHE_NAMESPACE } from './products.constants';
import { ForeignProducerError, ProductNotFoundError } from './products.errors';
import { ProductChanges, ProductOwner, ProductsRepository } from './products.repository';

export interface ListingResponse extends CachedResponse {
  readonly cache: CacheResult;
}

/**
 * The product catalog: cached keyset listings, lookups and writes. Every write bumps the
 * listing cache generation after it commits, so listings show it at once.
 */
@Injectable()
export class ProductsService {
  constructor(
    private readonly products: ProductsRepository,
    private readonly pages: ListingPages,
    private readonly cache: ResponseCache,
    private readonly idempotency: IdempotencyService,
    private readonly metrics: MetricsService,
    @Inject(productsConfig.KEY) private readonly config: ProductsConfig,
  ) {}

  /** One page as serialized JSON plus its ETag, from the response cache when possible. */
  async list(query: ListProductsQuery): Promise<ListingResponse> {
    const { response, result, layer } = await this.cache.getOrCompute(
      {
        namespace: PRODUCTS_CACHE_NAMESPACE,
        key: `${LISTING_FORMAT}:${hashQuery(canonicalQuery(query))}`,
        ttlS: this.config.cacheTtlS,
        reaches: changeReaches(query),
      },
      () => this.pages.render(query),
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
