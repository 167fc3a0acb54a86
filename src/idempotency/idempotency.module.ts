import { Module } from '@nestjs/common';
import { DatabaseModule } from '../common/database/database.module';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';
import { IdempotencyService } from './idempotency.service';

/** Inbound Idempotency-Key support for write endpoints (table `idempotency_keys`). */
@Module({
  imports: [DatabaseModule],
  providers: [IdempotencyKeysRepository, IdempotencyService],
  exports: [IdempotencyService],
})
export class IdempotencyModule {}
