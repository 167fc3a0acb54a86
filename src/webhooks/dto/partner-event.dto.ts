import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

/** `data` of `inventory.updated` (stock) and `price.updated` (price). */
export class PartnerEventDataDto {
  @ApiProperty({ example: 'VEG-000042', maxLength: 64 }) readonly sku!: string;
  @ApiPropertyOptional({
    example: 12,
    minimum: 0,
    maximum: 2147483647,
    description: 'New stock (`inventory.updated`)',
  })
  readonly stock?: number;
  @ApiPropertyOptional({
    example: '129.50',
    description: 'New price, decimal string or number, 0–99999999.99 (`price.updated`)',
  })
  readonly price?: string;
}

/**
 * A partner event as delivered. Only the fields below are read; any other field is
 * accepted and kept with the stored payload.
 */
export class PartnerEventDto {
  @ApiProperty({
    example: 'inventory.updated',
    description: '`inventory.updated` or `price.updated`; other types are stored and ignored',
  })
  readonly type!: string;
  @ApiPropertyOptional({
    example: '2026-11-22T10:15:30.000Z',
    description:
      'RFC 3339 time of the change; orders updates of one product field. When absent, ' +
      'webhook-timestamp is used.',
  })
  readonly timestamp?: string;
  @ApiProperty({ type: PartnerEventDataDto }) readonly data!: PartnerEventDataDto;
}
