import { applyDecorators, HttpStatus } from '@nestjs/common';
import { ApiHeader, ApiOkResponse, ApiParam, ApiQuery, ApiResponse } from '@nestjs/swagger';
import { MAX_CURSOR_LENGTH } from '../common/pagination/cursor';
import { IDEMPOTENCY_KEY_PATTERN, IDEMPOTENCY_TTL_S } from '../idempotency';
import { ProductPageDto, ProductResponseDto } from './dto/product.response.dto';
import {
  DEFAULT_LIMIT,
  DEFAULT_ORDER,
  DEFAULT_SORT,
  MAX_CATEGORIES,
  MAX_CATEGORY_LENGTH,
  MAX_LIMIT,
  MAX_Q_LENGTH,
  SORT_KEYS,
  SORT_ORDERS,
} from './products.constants';
import { CLIENT_PRICE } from '../common/money/price';

const ETAG_HEADER = {
  ETag: {
    description: 'Strong validator of the body; send it back as If-None-Match',
    schema: { type: 'string' },
  },
};

/** Documents GET /products: every query parameter, the page, 304, ETag and x-cache. */
export const ApiListProducts = (): MethodDecorator =>
  applyDecorators(
    ApiQuery({
      name: 'limit',
      required: false,
      schema: { type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT },
    }),
    ApiQuery({
      name: 'cursor',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: MAX_CURSOR_LENGTH },
      description:
        'Opaque `next_cursor` of the previous page; valid only with the same sort, order and filters',
    }),
    ApiQuery({ name: 'sort', required: false, enum: SORT_KEYS, schema: { default: DEFAULT_SORT } }),
    ApiQuery({
      name: 'order',
      required: false,
      enum: SORT_ORDERS,
      schema: { default: DEFAULT_ORDER },
    }),
    ApiQuery({
      name: 'category',
      required: false,
      schema: {
        type: 'string',
        pattern: `^[^,]{1,${MAX_CATEGORY_LENGTH}}(,[^,]{1,${MAX_CATEGORY_LENGTH}}){0,${MAX_CATEGORIES - 1}}$`,
      },
      description: `One category or up to ${MAX_CATEGORIES} comma-separated, each at most ${MAX_CATEGORY_LENGTH} characters`,
    }),
    ApiQuery({
      name: 'min_price',
      required: false,
      schema: { type: 'string', pattern: CLIENT_PRICE.pattern.source },
      description: 'Inclusive lower price bound',
    }),
    ApiQuery({
      name: 'max_price',
      required: false,
      schema: { type: 'string', pattern: CLIENT_PRICE.pattern.source },
      description: 'Inclusive upper price bound (≥ min_price)',
    }),
    ApiQuery({
      name: 'in_stock',
      required: false,
      schema: { type: 'string', enum: ['true', 'false'] },
      description: '`true` → only products with stock > 0',
    }),
    ApiQuery({
      name: 'q',
      required: false,
      schema: { type: 'string', minLength: 1, maxLength: MAX_Q_LENGTH },
      description: 'Case-insensitive prefix of the name',
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
