import { HttpModule } from '@nestjs/axios';
import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { RedisModule } from '../common/redis/redis.module';
import { MetricsModule } from '../metrics';
import { PARTNER_MAX_BODY_BYTES } from './external.constants';
import { ExternalController } from './external.controller';
import { PartnerClient } from './partner.client';
import { PartnerItemCopies } from './partner-item-copies';
import { PartnerItemsService } from './partner-items.service';
import { PartnerSubscription } from './partner-subscription.entity';
import { PartnerTokenModule } from './partner-token/partner-token.module';
import { partnerPolicyProvider } from './resilience/partner-policy.provider';
import { SubscriptionsRepository } from './subscriptions.repository';
import { SubscriptionsService } from './subscriptions.service';

/**
 * The partner integration: GET /external/items/:id (API A), webhook subscriptions
 * (API B) and, through PartnerTokenModule, the OAuth2 token every partner call carries.
 * Exports SubscriptionsService so the webhook receiver can read the secrets.
 */
@Module({
  imports: [
    HttpModule.register({
      maxRedirects: 0,
      maxContentLength: PARTNER_MAX_BODY_BYTES,
      maxBodyLength: PARTNER_MAX_BODY_BYTES,
      proxy: false,
    }),
    TypeOrmModule.forFeature([PartnerSubscription]),
    PartnerTokenModule,
    AuthModule,
    RedisModule,
    MetricsModule,
  ],
  controllers: [ExternalController],
  providers: [
    partnerPolicyProvider,
    PartnerClient,
    PartnerItemCopies,
    PartnerItemsService,
    SubscriptionsRepository,
    SubscriptionsService,
  ],
  exports: [SubscriptionsService],
})
export class ExternalModule {}
