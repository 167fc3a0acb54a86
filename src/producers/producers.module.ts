import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { ProductsModule } from '../products';
import { NearRepository } from './near.repository';
import { Producer } from './producer.entity';
import { ProducersController } from './producers.controller';
import { ProducersRepository } from './producers.repository';
import { ProducersService } from './producers.service';

/**
 * Producers: `/producers` and the near-me reads (NearRepository, exported for the product
 * listing). Imports ProductsModule for one thing: invalidating listings after a write.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Producer]), AuthModule, ProductsModule],
  controllers: [ProducersController],
  providers: [ProducersRepository, ProducersService, NearRepository],
  exports: [NearRepository],
})
export class ProducersModule {}
