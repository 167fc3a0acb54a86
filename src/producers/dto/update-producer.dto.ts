import {
  DeliveryRadiusField,
  LatitudeField,
  LongitudeField,
  ProducerNameField,
} from './producer-fields';

/** Any subset of the writable fields. */
export class UpdateProducerDto {
  @ProducerNameField(false) readonly name?: string;
  @LatitudeField(false) readonly lat?: number;
  @LongitudeField(false) readonly lng?: number;
  @DeliveryRadiusField(false) readonly delivery_radius_km?: number;
}
