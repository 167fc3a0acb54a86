import { ApiProperty } from '@nestjs/swagger';

/** A producer on the wire: coordinates and radius as JSON numbers, RFC 3339 UTC times. */
export class ProducerResponseDto {
  @ApiProperty({ example: 7, type: 'integer', minimum: 1 }) readonly id!: number;
  @ApiProperty({ example: 'Kaveri Organic Farms', maxLength: 200 }) readonly name!: string;
  @ApiProperty({ example: 12.971599, type: 'number', minimum: -90, maximum: 90 })
  readonly lat!: number;
  @ApiProperty({ example: 77.594566, type: 'number', minimum: -180, maximum: 180 })
  readonly lng!: number;
  @ApiProperty({ example: 8.5, type: 'number', minimum: 0.5, maximum: 100 })
  readonly delivery_radius_km!: number;
  @ApiProperty({ example: '2026-11-22T10:15:30.000Z', format: 'date-time' })
  readonly created_at!: string;
  @ApiProperty({ example: '2026-11-22T10:15:30.000Z', format: 'date-time' })
  readonly updated_at!: string;
}
