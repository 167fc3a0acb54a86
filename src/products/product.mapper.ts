import type { ProductResponseDto } from './dto/product.response.dto';
import type { Product } from './product.entity';

/**
 * A `products` row as mysql2 returns it from a raw query (BIGINT and DECIMAL as strings).
 * Listing pages are read with DATETIME as text (`YYYY-MM-DD HH:MM:SS.mmm`, UTC).
 */
export interface ProductRow<Time = string> {
  id: string | number;
  sku: string;
  name: string;
  description: string | null;
  category: string;
  price: string;
  stock: number;
  producer_id: string | number | null;
  created_at: Time;
  updated_at: Time;
}

/**
 * A DATETIME(3) as MySQL sends it in text (`YYYY-MM-DD HH:MM:SS.mmm`, UTC) → ISO 8601,
 * exactly what `Date#toISOString()` of the parsed value gives.
 */
export function dbDateTimeToIso(value: string): string {
  return `${value.slice(0, 10)}T${value.slice(11)}Z`;
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
    producer_id: row.producer_id === null ? null : Number(row.producer_id),
    created_at: dbDateTimeToIso(row.created_at),
    updated_at: dbDateTimeToIso(row.updated_at),
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
    producer_id: product.producerId ?? null,
    created_at: product.createdAt.toISOString(),
    updated_at: product.updatedAt.toISOString(),
  };
}
