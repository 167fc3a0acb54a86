import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { CANONICAL_PRICE } from '../../common/money/price';
import { NEAR_SORT, SORT_KEYS } from '../products.constants';

/** A product on the wire (snake_case; money as a two-decimal string; RFC 3339 UTC times). */
export class ProductResponseDto {
  @ApiProperty({ example: 42, type: 'integer', minimum: 1 }) readonly id!: number;
  @ApiProperty({ example: 'VEG-000042', maxLength: 64 }) readonly sku!: string;
  @ApiProperty({ example: 'Alphonso Mango', maxLength: 200 }) readonly name!: string;
  @ApiProperty({ example: 'Sweet, ripe mangoes from Ratnagiri', nullable: true, type: String })
  readonly description!: string | null;
  @ApiProperty({ example: 'fruits', maxLength: 64 }) readonly category!: string;
  @ApiProperty({ example: '129.50', pattern: CANONICAL_PRICE.pattern.source })
  readonly price!: string;
  @ApiProperty({ example: 12, type: 'integer' }) readonly stock!: number;
  @ApiProperty({
    example: 7,
    nullable: true,
    type: 'integer',
    minimum: 1,
    description: 'The producer that sells it, or null',
  })
  readonly producer_id!: number | null;
  @ApiProperty({ example: '2026-11-22T10:15:30.000Z', format: 'date-time' })
  readonly created_at!: string;
  @ApiProperty({ example: '2026-11-22T10:15:30.000Z', format: 'date-time' })
  readonly updated_at!: string;
}

/** A product in a listing page: with `near`, also its distance. */
export class ListedProductDto extends ProductResponseDto {
  @ApiPropertyOptional({
    example: 3.42,
    type: 'number',
    minimum: 0,
    description:
      'Only with `near`: km from the point to the product’s producer, 3 decimals ' +
      '(within ±0.0005 km of the exact distance)',
  })
  readonly distance_km?: number;
}

export class PageInfoDto {
  @ApiProperty({ example: 20, type: 'integer' }) readonly limit!: number;
  @ApiProperty({
    example: 'eyJ2IjoxLCJxIjoi…',
    nullable: true,
    type: String,
    description: `Opaque; pass as \`cursor\` with the same sort, order, filters, \`near\` and \`radius_km\`. Sorts: ${[...SORT_KEYS, NEAR_SORT].join(', ')}`,
  })
  readonly next_cursor!: string | null;
  @ApiProperty({ example: true }) readonly has_more!: boolean;
}

export class ProductPageDto {
  @ApiProperty({ type: [ListedProductDto] }) readonly data!: ListedProductDto[];
  @ApiProperty({ type: PageInfoDto }) readonly page!: PageInfoDto;
}
