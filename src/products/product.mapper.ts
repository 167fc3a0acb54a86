import type { ProductResponseDto } from './dto/product.response.dto';
import type { Product } from './product.entity';

/** A `products` row as mysql2 returns it from a raw query (BIGINT and DECIMAL as strings). */
export interface ProductRow {
  id: string | number;
  sku: string;
  name: string;
  description: string | null;
  category: string;
  price: string;
  stock: number;
  created_at: Date;
  updated_at: Date;
}

/** Raw row → wire shape, without entity hydration (the listing hot path). */
export function rowToProductResponse(row: ProductRow): ProductResponseDto {
  return {
    id: Number(row.id),
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    price: row.price,
    stock: row.stock,
    created_at: row.created_at.toISOString(),
    updated_at: row.updated_at.toISOString(),
  };
}

export function toProductResponse(product: Product): ProductResponseDto {
  return {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description,
    category: product.category,
    price: product.price,
    stock: product.stock,
    created_at: product.createdAt.toISOString(),
    updated_at: product.updatedAt.toISOString(),
  };
}
