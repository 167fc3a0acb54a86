import { ApiPropertyOptional } from '@nestjs/swagger';
import { CLIENT_PRICE } from '../../common/money/price';
import { MAX_CURSOR_LENGTH } from '../../common/pagination/cursor';
import {
  DEFAULT_LIMIT,
  MAX_CATEGORIES,
  MAX_CATEGORY_LENGTH,
  MAX_LIMIT,
  MAX_Q_LENGTH,
  NEAR_PATTERN,
  RADIUS_KM_PATTERN,
} from '../products.constants';

/**
 * GET /products' free-form query parameters as documented (the enumerated ones, `sort`,
 * `order` and `in_stock`, are declared with @ApiQuery in products.openapi.ts: Swagger
 * drops `enum` when it expands a query class). The hot path parses the query by hand
 * (list-products.query.parser.ts: same rules, same error shape), so this class only
 * describes it.
 */
export class ListProductsQueryDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: MAX_LIMIT, default: DEFAULT_LIMIT })
  readonly limit?: number;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: MAX_CURSOR_LENGTH,
    description:
      'Opaque `next_cursor` of the previous page; valid only with the same sort, order and filters',
  })
  readonly cursor?: string;

  @ApiPropertyOptional({
    pattern: `^[^,]{1,${MAX_CATEGORY_LENGTH}}(,[^,]{1,${MAX_CATEGORY_LENGTH}}){0,${MAX_CATEGORIES - 1}}$`,
    description: `One category or up to ${MAX_CATEGORIES} comma-separated, each at most ${MAX_CATEGORY_LENGTH} characters`,
  })
  readonly category?: string;

  @ApiPropertyOptional({
    pattern: CLIENT_PRICE.pattern.source,
    description: 'Inclusive lower price bound',
  })
  readonly min_price?: string;

  @ApiPropertyOptional({
    pattern: CLIENT_PRICE.pattern.source,
    description: 'Inclusive upper price bound (≥ min_price)',
  })
  readonly max_price?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: MAX_Q_LENGTH,
    description:
      'Matches the start of the name (a case-insensitive prefix, not a substring search); ' +
      '`%`, `_` and `!` match literally',
  })
  readonly q?: string;

  @ApiPropertyOptional({
    pattern: NEAR_PATTERN,
    example: '12.971599,77.594566',
    description:
      'Only products whose producer delivers to this point, each with `distance_km`: ' +
      '`lat,lng` in decimal degrees (−90..90, −180..180), at most 6 decimals. ' +
      'Without `sort`, the listing is `sort=distance`',
  })
  readonly near?: string;

  @ApiPropertyOptional({
    pattern: RADIUS_KM_PATTERN,
    example: '5',
    description:
      'Only with `near`: also no farther than this many km (0.1–100, at most 6 decimals), ' +
      'besides each producer’s own delivery radius',
  })
  readonly radius_km?: string;
}
