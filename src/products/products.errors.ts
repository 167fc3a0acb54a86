import { AppError, ValidationProblemError } from '../common/errors/app.error';

export class ProductNotFoundError extends AppError {
  constructor(id: number) {
    super('PRODUCT_NOT_FOUND', `No product with id ${id}`);
  }
}

export class DuplicateSkuError extends AppError {
  constructor(sku: string) {
    super('DUPLICATE_SKU', `A product with sku "${sku}" already exists`);
  }
}

/** The named producer does not exist (the foreign key refused the write). */
export class UnknownProducerError extends ValidationProblemError {
  constructor(producerId: number) {
    super([{ field: 'producer_id', message: `No producer with id ${producerId}` }]);
  }
}

/**
 * A token acting for a producer named another producer (or none) for a product: it may
 * write only its own producer's products. Refused before any read, whatever exists.
 */
export class ForeignProducerError extends AppError {
  constructor(own: number) {
    super(
      'INSUFFICIENT_SCOPE',
      `A token acting for producer ${own} may set producer_id to ${own} only`,
      { headers: { 'WWW-Authenticate': 'Bearer error="insufficient_scope"' } },
    );
  }
}
