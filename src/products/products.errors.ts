import { AppError } from '../common/errors/app.error';

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
