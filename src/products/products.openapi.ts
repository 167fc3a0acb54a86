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

const CACHE_CONTROL_HEADER = {
  'Cache-Control': {
    description: '`no-cache`: a cached copy must be revalidated (If-None-Match) before reuse',
    schema: { type: 'string', enum: ['no-cache'] },
  },
};

const IF_NONE_MATCH = ApiHeader({
  name: 'If-None-Match',
  required: false,
  description:
    'ETag(s) of a previous response, comma-separated, or `*`; compared weakly (RFC 9110 ' +
    '§13.1.2): a match answers 304',
});

const NOT_MODIFIED = ApiResponse({
  status: HttpStatus.NOT_MODIFIED,
  description: 'The If-None-Match ETag still matches: no body; reuse the cached copy',
  headers: { ...ETAG_HEADER, ...CACHE_CONTROL_HEADER },
});

/** Documents GET /products: the query (ListProductsQueryDto), the page, 304, ETag and x-cache. */
export const ApiListProducts = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'List products (keyset pages, filters, sort)',
      description:
        'One page of the catalog in `ORDER BY <sort> <order>, id <order>`. Follow ' +
        '`page.next_cursor` with the same sort, order and filters for the next page (null on ' +
        'the last page). Filters combine with AND. Unknown or repeated query parameters are a ' +
        '400. Pages are cached briefly and revalidated with ETag / If-None-Match.',
    }),
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
      description:
        '`true`: only products with stock > 0. `false` means no filter (the same as leaving ' +
        'the parameter out), not "only products out of stock".',
    }),
    IF_NONE_MATCH,
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
    NOT_MODIFIED,
  );

/** Documents GET /products/:id: the product, its ETag and the 304 of a matching If-None-Match. */
export const ApiGetProduct = (): MethodDecorator =>
  applyDecorators(
    ApiOperation({
      summary: 'Get one product',
      description:
        'The product as JSON, with a strong `ETag` computed from the response bytes and ' +
        '`Cache-Control: no-cache`. Send the ETag back as `If-None-Match` to revalidate: a ' +
        'match (also `*`, a list, or a weak `W/` form) is a 304 with the same ETag and no body.',
    }),
    IF_NONE_MATCH,
    ApiOkResponse({
      type: ProductResponseDto,
      description: 'The product',
      headers: { ...ETAG_HEADER, ...CACHE_CONTROL_HEADER },
    }),
    NOT_MODIFIED,
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
        'Creates a product and answers 201 with it and its Location. A duplicate `sku` is a ' +
        '409. Send an Idempotency-Key to make retries safe. ' +
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
      'Changes the given fields of a product and answers with the whole product; an absent ' +
      'or empty body changes nothing. Listings show the change within a second. ' +
      `Any subset of the writable fields; \`producer_id: null\` removes the producer; ${UNKNOWN_PRODUCER}. ` +
      `${PRODUCER_TOKENS}: another producer’s product, or one without a producer, answers ` +
      'the same 404 as a missing id, and setting `producer_id` to anything but its own is a 403.',
  });

/** Documents DELETE /products/:id, including what a producer token may do. */
export const ApiDeleteProduct = (): MethodDecorator =>
  ApiOperation({
    summary: 'Delete a product',
    description:
      'Removes a product; 204 with no body. Deleting it again is a 404. A body is not ' +
      'expected: an empty one is accepted whatever its content type. ' +
      `${PRODUCER_TOKENS}: another producer’s product, or one without a producer, answers ` +
      'the same 404 as a missing id.',
  });
