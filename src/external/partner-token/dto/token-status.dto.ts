import { ApiProperty } from '@nestjs/swagger';

/** State of the shared partner access token; the token itself is never shown. */
export class TokenStatusDto {
  @ApiProperty({ description: 'Whether a usable partner access token is cached', example: true })
  readonly cached!: boolean;

  @ApiProperty({
    description: 'Seconds until the cached token expires at the issuer; null when none is cached',
    type: 'integer',
    nullable: true,
    example: 3412,
  })
  readonly expires_in!: number | null;

  @ApiProperty({
    description: 'When the cached token was requested (RFC 3339, UTC); null when none is cached',
    type: String,
    format: 'date-time',
    nullable: true,
    example: '2026-11-22T10:15:30.000Z',
  })
  readonly fetched_at!: string | null;
}
