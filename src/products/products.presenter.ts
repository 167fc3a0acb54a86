import { HttpStatus } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { IDEMPOTENT_REPLAYED_HEADER } from '../idempotency';
import type { IdempotentOutcome, StoredResponse } from '../idempotency';
import type { ProductResponseDto } from './dto/product.response.dto';
import { etagMatches, strongEtag } from './listing-cache/etag';
import { PRODUCTS_ROUTE, X_CACHE_HEADER } from './products.constants';
import type { ListingResponse } from './products.service';

const JSON_TYPE = 'application/json; charset=utf-8';

/**
 * Sends an already serialized listing as is (no JSON round trip on a cache hit), or a
 * 304 when the client's If-None-Match still matches. `no-cache`: clients revalidate,
 * because writes must show within a second.
 */
export function sendListing(
  reply: FastifyReply,
  page: ListingResponse,
  ifNoneMatch: string | undefined,
): void {
  void reply
    .header('etag', page.etag)
    .header('cache-control', 'no-cache')
    .header(X_CACHE_HEADER, page.cache === 'hit' ? 'hit' : 'miss');
  if (etagMatches(ifNoneMatch, page.etag)) {
    void reply.code(304).send();
    return;
  }
  void reply.code(200).type(JSON_TYPE).send(page.body);
}

/**
 * Sends one product with a strong ETag of its serialized bytes (whatever fields the JSON
 * carries), or a 304 with the same ETag and no body when If-None-Match matches. Clients
 * revalidate (`no-cache`), so a change shows at once.
 */
export function sendProduct(
  reply: FastifyReply,
  product: ProductResponseDto,
  ifNoneMatch: string | undefined,
): void {
  const body = JSON.stringify(product);
  const etag = strongEtag(body);
  void reply.header('etag', etag).header('cache-control', 'no-cache');
  if (etagMatches(ifNoneMatch, etag)) {
    void reply.code(304).send();
    return;
  }
  void reply.code(200).type(JSON_TYPE).send(body);
}

/** POST /products' answer for a created product: 201, its Location and the product. */
export function createdResponse(product: ProductResponseDto): StoredResponse {
  return {
    status: HttpStatus.CREATED,
    headers: { location: `${PRODUCTS_ROUTE}/${product.id}` },
    body: JSON.stringify(product),
  };
}

/** Sends a write's response byte for byte as stored, marking replays. */
export function sendStored(reply: FastifyReply, outcome: IdempotentOutcome): void {
  const { response } = outcome;
  void reply.code(response.status).headers(response.headers).type(JSON_TYPE);
  if (outcome.replayed) {
    void reply.header(IDEMPOTENT_REPLAYED_HEADER, 'true');
  }
  void reply.send(response.body);
}
