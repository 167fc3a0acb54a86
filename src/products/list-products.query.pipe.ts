import { Injectable, PipeTransform } from '@nestjs/common';
import type { ListProductsQuery } from './list-products.query';
import { parseListProductsQuery } from './list-products.query.parser';

/**
 * Parses GET /products' query by hand rather than through class-validator: it is the
 * hottest path of the service, and the result must be normalised for the cache key anyway.
 */
@Injectable()
export class ListProductsQueryPipe implements PipeTransform<unknown, ListProductsQuery> {
  transform(value: unknown): ListProductsQuery {
    return parseListProductsQuery((value ?? {}) as Record<string, unknown>);
  }
}
