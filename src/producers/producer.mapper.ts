import type { ProducerResponseDto } from './dto/producer.response.dto';
import type { Producer } from './producer.entity';

/** Entity → wire: the DECIMAL text of coordinates and radius becomes JSON numbers. */
export function toProducerResponse(producer: Producer): ProducerResponseDto {
  return {
    id: producer.id,
    name: producer.name,
    lat: Number(producer.lat),
    lng: Number(producer.lng),
    delivery_radius_km: Number(producer.deliveryRadiusKm),
    created_at: producer.createdAt.toISOString(),
    updated_at: producer.updatedAt.toISOString(),
  };
}
