import { MiddlewareConsumer, Module, NestModule, RequestMethod } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ExternalModule } from '../external/external.module';
import { ProductsModule } from '../products/products.module';
import { WebhookAppliedVersion } from './webhook-applied-version.entity';
import { WebhookEvent } from './webhook-event.entity';
import { WebhookEventsRepository } from './webhook-events.repository';
import { WebhookRawBodyMiddleware, WebhookRawBodyParser } from './webhook-raw-body';
import { WebhookRetentionService } from './webhook-retention.service';
import { PARTNER_WEBHOOK_PATH, WEBHOOKS_ROUTE_PREFIX } from './webhooks.constants';
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
  ],
})
export class WebhooksModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(WebhookRawBodyMiddleware).forRoutes({
      path: `${WEBHOOKS_ROUTE_PREFIX}/${PARTNER_WEBHOOK_PATH}`,
      method: RequestMethod.POST,
    });
  }
}
