import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExternalModule } from '../external/external.module';
import { ProductsModule } from '../products/products.module';
import { WebhookAppliedVersion } from './webhook-applied-version.entity';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookEventsRepository } from './webhook-events.repository';
import { WebhookHeaderCheck } from './webhook-header-check';
import { WebhookRawBodyParser } from './webhook-raw-body';
import { WebhookRetentionService } from './webhook-retention.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** POST /webhooks/partner: verified, durable, exactly-once partner events. */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookEvent, WebhookAppliedVersion]),
    ProductsModule,
    ExternalModule,
  ],
  controllers: [WebhooksController],
  providers: [
    WebhooksService,
    WebhookEventsRepository,
    WebhookRetentionService,
    WebhookRawBodyParser,
    WebhookHeaderCheck,
  ],
})
export class WebhooksModule {}
