import { Module } from '@nestjs/common';
import { IdempotencyService } from './idempotency.service';

/** Inbound Idempotency-Key support for write endpoints (table `idempotency_keys`). */
@Module({ providers: [IdempotencyService], exports: [IdempotencyService] })
export class IdempotencyModule {}
