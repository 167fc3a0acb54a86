import { Injectable } from '@nestjs/common';
import type { AuthenticatedUser } from '../auth';
import { ProductsService } from '../products';
import type { CreateProducerDto } from './dto/create-producer.dto';
import type { ProducerResponseDto } from './dto/producer.response.dto';
import type { UpdateProducerDto } from './dto/update-producer.dto';
import { toProducerResponse } from './producer.mapper';
import { COORDINATE_DECIMALS, RADIUS_DECIMALS } from './producers.constants';
import { ProducerNotFoundError, ProducerTokenCannotCreateError } from './producers.errors';
import { ProducerFields, ProducersRepository } from './producers.repository';

/**
 * Producers: lookups and writes. Every write changes what near-me listings show (who
 * delivers where), so it invalidates the listing cache after it commits.
 */
@Injectable()
export class ProducersService {
  constructor(
    private readonly producers: ProducersRepository,
    private readonly products: ProductsService,
  ) {}

  async get(id: number): Promise<ProducerResponseDto> {
    const producer = await this.producers.findById(id);
    if (!producer) {
      throw new ProducerNotFoundError(id);
    }
    return toProducerResponse(producer);
  }

  /** A token acting for a producer (`producer_id` claim) cannot create producers. */
  async create(dto: CreateProducerDto, user: AuthenticatedUser): Promise<ProducerResponseDto> {
    if (user.producerId !== undefined) {
      throw new ProducerTokenCannotCreateError(user.producerId);
    }
    const producer = await this.producers.insert(
      {
        name: dto.name,
        lat: dto.lat.toFixed(COORDINATE_DECIMALS),
        lng: dto.lng.toFixed(COORDINATE_DECIMALS),
        deliveryRadiusKm: dto.delivery_radius_km.toFixed(RADIUS_DECIMALS),
      },
      new Date(),
    );
    await this.invalidateListings();
    return toProducerResponse(producer);
  }

  /** A token acting for another producer gets a 404, as if this one did not exist. */
  async update(
    id: number,
    dto: UpdateProducerDto,
    user: AuthenticatedUser,
  ): Promise<ProducerResponseDto> {
    if (user.producerId !== undefined && user.producerId !== id) {
      throw new ProducerNotFoundError(id);
    }
    const changes: { -readonly [K in keyof ProducerFields]?: ProducerFields[K] } = {};
    if (dto.name !== undefined) {
      changes.name = dto.name;
    }
    if (dto.lat !== undefined) {
      changes.lat = dto.lat.toFixed(COORDINATE_DECIMALS);
    }
    if (dto.lng !== undefined) {
      changes.lng = dto.lng.toFixed(COORDINATE_DECIMALS);
    }
    if (dto.delivery_radius_km !== undefined) {
      changes.deliveryRadiusKm = dto.delivery_radius_km.toFixed(RADIUS_DECIMALS);
    }
    const producer = await this.producers.update(id, changes);
    if (!producer) {
      throw new ProducerNotFoundError(id);
    }
    if (Object.keys(changes).length > 0) {
      await this.invalidateListings();
    }
    return toProducerResponse(producer);
  }

  /**
   * The one place producer writes reach the listing cache: today the catalog's
   * generation bump (the same call product writes make).
   */
  private invalidateListings(): Promise<void> {
    return this.products.invalidateListings();
  }
}
