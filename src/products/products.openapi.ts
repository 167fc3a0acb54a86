import { applyDecorators, HttpStatus } from '@nestjs/common';
import {
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiQuery,
  ApiResponse,
} from '@nestjs/swagger';
import { IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_TTL_S } from '../idempotency';
import { ListProductsQueryDto } from './dto/list-products.query.dto';
import { ProductPageDto, ProductResponseDto } from './dto/product.response.dto';
import { DEFAULT_ORDER, DEFAULT_SORT, SORT_KEYS, SORT_ORDERS } from './products.constants';

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
    ApiQuery({ name: 'sort', required: false, enum: SORT_KEYS, schema: { default: DEFAULT_SORT } }),
    ApiQuery({
      name: 'order',
      required: false,
      enum: SORT_ORDERS,
      schema: { default: DEFAULT_ORDER },
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
      description: 'One page, in `ORDER BY <sort> <order>, id <order>`',
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

const PRODUCER_TOKENS =
  'A token acting for a producer (`producer_id` claim) writes only that producer’s products';
const UNKNOWN_PRODUCER =
  'an unknown `producer_id` is a 400 naming the field, and nothing is written';

/** Documents POST /products with its Idempotency-Key semantics. */
export const ApiCreateProduct = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Create a product',
      description:
        `Needs scope \`products:write\`; ${UNKNOWN_PRODUCER}. ${PRODUCER_TOKENS}: the ` +
        'product gets its `producer_id`, and naming another producer (or null) is a 403.',
    }),
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

/** Documents PATCH /products/:id, including what a producer token may do. */
export const ApiUpdateProduct = (): MethodDecorator =>
  ApiOperation({
    summary: 'Change a product',
    description:
      `Any subset of the writable fields; \`producer_id: null\` removes the producer; ${UNKNOWN_PRODUCER}. ` +
      `${PRODUCER_TOKENS}: another producer’s product, or one without a producer, answers ` +
      'the same 404 as a missing id, and setting `producer_id` to anything but its own is a 403.',
  });

/** Documents DELETE /products/:id, including what a producer token may do. */
export const ApiDeleteProduct = (): MethodDecorator =>
  ApiOperation({
    summary: 'Delete a product',
    description:
      `${PRODUCER_TOKENS}: another producer’s product, or one without a producer, answers ` +
      'the same 404 as a missing id.',
  });
