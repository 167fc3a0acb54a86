import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { IdempotencyModule } from '../idempotency';
import { MetricsModule } from '../metrics';
import { NearRepository } from './near/near.repository';
import { ListingCacheModule } from './listing-cache/listing-cache.module';
import { ListingPages } from './listing-pages';
import { Product } from './product.entity';
import { ProductsController } from './products.controller';
import { ProductsRepository } from './products.repository';
import { ProductsService } from './products.service';

/** The product catalog. Exports ProductsService (partner updates, listing invalidation). */
@Module({
  imports: [
    TypeOrmModule.forFeature([Product]),
    ListingCacheModule,
    IdempotencyModule,
    AuthModule,
    MetricsModule,
  ],
  controllers: [ProductsController],
  providers: [ProductsRepository, ProductsService, NearRepository, ListingPages],
  exports: [ProductsService],
})
export class ProductsModule {}
