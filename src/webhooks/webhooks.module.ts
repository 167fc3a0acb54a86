import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../common/database/database.module';
import { RedisModule } from '../common/redis/redis.module';
import { ExternalModule } from '../external';
import { MetricsModule } from '../metrics';
import { ProductsModule } from '../products';
import { WebhookAppliedVersion } from './webhook-applied-version.entity';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookEventsRepository } from './webhook-events.repository';
import { WebhookRetentionService } from './webhook-retention.service';
import { WebhooksController } from './webhooks.controller';
import { WebhooksService } from './webhooks.service';

/** POST /webhooks/partner: verified, durable, exactly-once partner events. */
@Module({
  imports: [
    TypeOrmModule.forFeature([WebhookEvent, WebhookAppliedVersion]),
    DatabaseModule,
    RedisModule,
    MetricsModule,
    ProductsModule,
    ExternalModule,
  ],
  controllers: [WebhooksController],
  providers: [WebhooksService, WebhookEventsRepository, WebhookRetentionService],
})
export class WebhooksModule {}
