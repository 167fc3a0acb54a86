import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_TTL_S } from '../idempotency';
import { ListProductsQueryDto } from './dto/list-products.query.dto';
import { ProductPageDto, ProductResponseDto } from './dto/product.response.dto';
import {
  DEFAULT_ORDER,
  DEFAULT_SORT,
  NEAR_SORT,
  SORT_KEYS,
  SORT_ORDERS,
} from './products.constants';

const ETAG_HEADER = {
  ETag: {
    description: 'Strong validator of the body; send it back as If-None-Match',
    schema: { type: 'string' },
  },
};

/** Documents GET /products: the query (ListProductsQueryDto), the page, 304, ETag and x-cache. */
export const ApiListProducts = (): MethodDecorator =>
  applyDecorators(
    ApiQuery({ type: ListProductsQueryDto }),
    ApiQuery({
      name: 'sort',
      required: false,
      enum: [...SORT_KEYS, NEAR_SORT],
      schema: { default: DEFAULT_SORT },
      description:
        '`distance` (only with `near`, and its default) orders by the exact distance to ' +
        'the producer, then id, ascending only',
    }),
    ApiQuery({
      name: 'order',
      required: false,
      enum: SORT_ORDERS,
      schema: { default: DEFAULT_ORDER },
      description: '`asc` by default with `sort=distance`, the only order it takes',
    }),
    ApiQuery({
      name: 'in_stock',
      required: false,
      schema: { type: 'string', enum: ['true', 'false'] },
      description: '`true` → only products with stock > 0',
    }),
    ApiHeader({
      name: 'If-None-Match',
      required: false,
      description: 'ETag of a previous response; a match answers 304',
    }),
    ApiOkResponse({
      type: ProductPageDto,
      description:
        'One page, in `ORDER BY <sort> <order>, id <order>` (with `sort=distance`: by the ' +
        'exact distance, then id)',
      headers: {
        ...ETAG_HEADER,
        'x-cache': {
          description: '`hit` when served from the response cache, else `miss`',
          schema: { type: 'string', enum: ['hit', 'miss'] },
        },
      },
    }),
    ApiResponse({
      status: HttpStatus.NOT_MODIFIED,
      description: 'The If-None-Match ETag still matches',
      headers: ETAG_HEADER,
    }),
  );

/** Documents the `:id` route parameter: a positive integer (a BIGINT UNSIGNED id). */
export const ApiProductId = (): MethodDecorator =>
  ApiParam({
    name: 'id',
    schema: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  });

/** Documents POST /products with its Idempotency-Key semantics. */
export const ApiCreateProduct = (): MethodDecorator =>
  applyDecorators(
    ApiHeader({
      name: 'Idempotency-Key',
      required: false,
      schema: { type: 'string', pattern: IDEMPOTENCY_KEY_PATTERN.source },
      description:
        `1–255 characters of A-Z a-z 0-9 _ . : -. The same key with the same body within ${IDEMPOTENCY_TTL_S / 3600} h ` +
        'returns the first response again (with `idempotent-replayed: true`); with a different body → 422; ' +
        'while the first request is still running → 409 with Retry-After.',
    }),
    ApiResponse({
      status: HttpStatus.CREATED,
      type: ProductResponseDto,
      description: 'Created',
      headers: {
        Location: { description: 'Path of the new product', schema: { type: 'string' } },
        'idempotent-replayed': {
          description:
            '`true` when this is a stored response replayed for a repeated Idempotency-Key',
          schema: { type: 'string' },
        },
      },
    }),
  );
