import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AuthModule } from '../auth';
import { ProductsModule } from '../products';
import { Producer } from './producer.entity';
import { ProducersController } from './producers.controller';
import { ProducersRepository } from './producers.repository';
import { ProducersService } from './producers.service';

/**
 * Producers: `/producers`. Imports ProductsModule for one thing: invalidating listings
 * after a write (the near-me reads belong to the listing: src/products/near/).
 */
@Module({
  imports: [TypeOrmModule.forFeature([Producer]), AuthModule, ProductsModule],
  controllers: [ProducersController],
  providers: [ProducersRepository, ProducersService],
})
export class ProducersModule {}
