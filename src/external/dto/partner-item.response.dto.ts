import { ApiProperty } from '@nestjs/swagger';
import type { ItemLookup } from '../partner-items.service';

export class PartnerItemDto {
  @ApiProperty({ example: 'MANGO-42', description: "The partner's item id" })
  readonly id!: string;

  @ApiProperty({ example: 'Alphonso Mango' })
  readonly name!: string;

  @ApiProperty({ example: '129.50', description: 'Decimal string with two places' })
  readonly price!: string;

  @ApiProperty({ example: 12, minimum: 0 })
  readonly available_qty!: number;

  @ApiProperty({ example: '2026-11-22T10:15:30.000Z', format: 'date-time' })
  readonly updated_at!: string;
}

export class PartnerItemResponseDto {
  @ApiProperty({ type: PartnerItemDto })
  readonly item!: PartnerItemDto;

  @ApiProperty({
    enum: ['live', 'stale'],
    example: 'live',
    description:
      '`live`: fetched from the partner now. `stale`: the last good copy, served because the ' +
      'partner could not be reached (open circuit, deadline passed, retries exhausted).',
  })
  readonly source!: 'live' | 'stale';
}

export function toPartnerItemResponse(lookup: ItemLookup): PartnerItemResponseDto {
  const { item } = lookup;
  return {
    item: {
      id: item.id,
      name: item.name,
      price: item.price,
      available_qty: item.available_qty,
      updated_at: item.updated_at,
    },
    source: lookup.source,
  };
}
