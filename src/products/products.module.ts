import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ResponseCache } from './listing-cache/response-cache';
import { IdempotencyModule } from '../idempotency/idempotency.module';
import { Product } from './product.entity';
import { ProductsController } from './products.controller';
import { ProductsRepository } from './products.repository';
import { ProductsService } from './products.service';

/** The product catalog. Exports ProductsService (partner updates, listing invalidation). */
@Module({
  imports: [TypeOrmModule.forFeature([Product]), IdempotencyModule],
  controllers: [ProductsController],
  providers: [ProductsRepository, ProductsService, ResponseCache],
  exports: [ProductsService],
})
export class ProductsModule {}
