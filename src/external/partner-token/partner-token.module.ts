import { Module } from '@nestjs/common';
import { RedisModule } from '../../common/redis/redis.module';
import { MetricsModule } from '../../metrics';
import { OAuthTokenClient } from './oauth-token.client';
import { AuthController } from './token-status.controller';
import { TokenService } from './token.service';
import { TokenStore } from './token.store';

/**
 * The outbound OAuth2 client-credentials token for partner calls, shared by every
 * instance through Redis, and GET /auth/token/status. Exports TokenService.
 */
@Module({
  imports: [RedisModule, MetricsModule],
  controllers: [AuthController],
  providers: [OAuthTokenClient, TokenStore, TokenService],
  exports: [TokenService],
})
export class PartnerTokenModule {}
