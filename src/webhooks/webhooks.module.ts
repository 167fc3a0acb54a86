import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../common/database/database.module';
import { ExternalModule } from '../external/external.module';
import { ProductsModule } from '../products/products.module';
import { WebhookAppliedVersion } from './webhook-applied-version.entity';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookEventsRepository } from './webhook-events.repository';
import { WebhookRawBodyParser } from './webhook-raw-body';
import { WebhookRetentionService } from './webhook-retention.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** POST /webhooks/partner: verified, durable, exactly-once partner events. */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookEvent, WebhookAppliedVersion]),
    DatabaseModule,
    ProductsModule,
    ExternalModule,
  ],
  controllers: [WebhooksController],
  providers: [
    WebhooksService,
    WebhookEventsRepository,
    WebhookRetentionService,
    WebhookRawBodyParser,
  ],
})
export class WebhooksModule {}
