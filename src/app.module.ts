import { Module, OnModuleInit } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { APP_FILTER, APP_GUARD, APP_PIPE } from '@nestjs/core';
import { AuthModule, BearerClientIdentity } from './auth';
import { DatabaseEvents } from './common/database/database-events';
import { DatabaseModule } from './common/database/database.module';
import { ProblemDetailsFilter } from './common/errors/problem-details.filter';
import { RouteMethods } from './common/http/route-methods';
import { StrictQueryGuard } from './common/http/strict-query.guard';
import { createValidationPipe } from './common/http/validation';
import { ALL_CONFIGS } from './config/configuration';
import { ExternalModule } from './external';
import { HealthModule } from './health';
import { MetricsModule, MetricsService } from './metrics';
import { ProducersModule } from './producers';
import { ProductsModule } from './products';
import { ClientIdentityResolver, RateLimitModule } from './rate-limit';
import { WebhooksModule } from './webhooks';

/**
 * The composition root. Config is the only global module; every other module imports
 * what it uses. The rate limiter is given auth's bearer-token identity here, so that
 * neither module imports the other's internals; likewise the database's events are
 * counted by the metrics here.
 */
@Module({
  imports: [
    ConfigModule.forRoot({ isGlobal: true, cache: true, ignoreEnvFile: true, load: ALL_CONFIGS }),
    DatabaseModule,
    MetricsModule,
    HealthModule,
    ExternalModule,
    RateLimitModule.forRootAsync({
      imports: [AuthModule],
      inject: [BearerClientIdentity],
      useFactory: (clientIdentity: ClientIdentityResolver) => ({ clientIdentity }),
    }),
    ProductsModule,
    ProducersModule,
    WebhooksModule,
  ],
  providers: [
    RouteMethods,
    { provide: APP_FILTER, useClass: ProblemDetailsFilter },
    { provide: APP_PIPE, useFactory: createValidationPipe },
    { provide: APP_GUARD, useClass: StrictQueryGuard },
  ],
})
export class AppModule implements OnModuleInit {
  constructor(
    private readonly databaseEvents: DatabaseEvents,
    private readonly metrics: MetricsService,
  ) {}

  onModuleInit(): void {
    this.databaseEvents.on((event, reason) => this.metrics.recordDatabase(event, reason));
  }
}
