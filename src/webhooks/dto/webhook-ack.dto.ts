import { ApiProperty } from '@nestjs/swagger';
import type { WebhookAckStatus } from '../webhooks.service';

export const WEBHOOK_ACK_STATUSES: WebhookAckStatus[] = ['processed', 'duplicate', 'ignored'];

/** The 200 answer to a delivery. */
export class WebhookAckDto {
  @ApiProperty({
    enum: WEBHOOK_ACK_STATUSES,
    example: 'processed',
    description:
      '`processed`: this delivery applied the event. `duplicate`: the event was settled ' +
      'by an earlier delivery. `ignored`: stored, but no effect (unknown event type or ' +
      'sku, invalid data, or older than an update already applied).',
  })
  readonly status!: WebhookAckStatus;
}
