import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuthModule } from './auth/auth.module';
import { DatabaseModule } from './common/database/database.module';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { RouteMethods } from './common/http/route-methods';
import { StrictQueryGuard } from './common/http/strict-query.guard';
import { createValidationPipe } from './common/http/validation';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { RedisModule } from './common/redis/redis.module';
import { ALL_CONFIGS } from './config/configuration';
import { ExternalModule } from './external/external.module';
import { HealthModule } from './health/health.module';
import { MetricsModule } from './metrics/metrics.module';
import { ProductsModule } from './products/products.module';
import { WebhooksModule } from './webhooks/webhooks.module';

@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, ignoreEnvFile: true, load: ALL_CONFIGS }),
    DatabaseModule,
    RedisModule,
    MetricsModule,
    HealthModule,
    AuthModule,
    ExternalModule,
    RateLimitModule,
    ProductsModule,
    WebhooksModule,
  ],
  providers: [
    RouteMethods,
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_GUARD, useClass: StrictQueryGuard },
  ],
})
export class AppModule {}
