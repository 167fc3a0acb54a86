import { ApiProperty } from '@nestjs/swagger';
import type { PartnerSubscription } from '../partner-subscription.entity';

/** A stored webhook subscription; its signing secret is never returned. */
export class SubscriptionResponseDto {
  @ApiProperty({ example: 'sub_7f3a9c', description: "The partner's subscription id" })
  readonly id!: string;

  @ApiProperty({ example: 'https://api.farmlokal.example/webhooks/partner' })
  readonly url!: string;

  @ApiProperty({ example: ['inventory.updated', 'price.updated'], type: [String] })
  readonly events!: string[];

  @ApiProperty({ example: '2026-11-22T10:15:30.000Z', format: 'date-time' })
  readonly created_at!: string;

  @ApiProperty({ example: '2026-11-22T10:15:30.000Z', format: 'date-time' })
  readonly updated_at!: string;
}

export class SubscriptionListResponseDto {
  @ApiProperty({ type: [SubscriptionResponseDto] })
  readonly data!: SubscriptionResponseDto[];
}

export function toSubscriptionResponse(row: PartnerSubscription): SubscriptionResponseDto {
  return {
    id: row.partnerId,
    url: row.url,
    events: row.events,
    created_at: row.createdAt.toISOString(),
    updated_at: row.updatedAt.toISOString(),
  };
}
