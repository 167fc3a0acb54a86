import {
  DeliveryRadiusField,
  LatitudeField,
  LongitudeField,
  ProducerNameField,
} from './producer-fields';

export class CreateProducerDto {
  @ProducerNameField() readonly name!: string;
  @LatitudeField() readonly lat!: number;
  @LongitudeField() readonly lng!: number;
  @DeliveryRadiusField() readonly delivery_radius_km!: number;
}
