import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsNumber,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateBy,
  ValidateIf,
  ValidationOptions,
} from 'class-validator';
import { IsSafeText, safeTextPattern } from '../../common/validation/safe-text';
import {
  COORDINATE_DECIMALS,
  MAX_DELIVERY_RADIUS_KM,
  MAX_LATITUDE,
  MAX_LONGITUDE,
  MAX_PRODUCER_NAME_LENGTH,
  MIN_DELIVERY_RADIUS_KM,
  RADIUS_DECIMALS,
} from '../producers.constants';

/** Validates only when the field is present; `null` is not "absent" (unlike @IsOptional). */
const WhenPresent = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);

type Doc = typeof ApiProperty;
const doc = (required: boolean): Doc => (required ? ApiProperty : ApiPropertyOptional);

/**
 * A finite JSON number that is the nearest double of a decimal with at most `decimals`
 * places (what `12.971599` parses to). `toFixed` rounds correctly, so the number passes
 * exactly when writing it with `decimals` places and reading that back gives it again;
 * class-validator's own `maxDecimalPlaces` counts the digits of `String(n)` and lets
 * `1e-7` through.
 */
export function HasDecimals(decimals: number, options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasDecimals',
      constraints: [decimals],
      validator: {
        validate: (value: unknown): boolean =>
          typeof value === 'number' &&
          Number.isFinite(value) &&
          Number(value.toFixed(decimals)) === value,
        defaultMessage: (args) =>
          `${args?.property ?? 'value'} must have at most ${decimals} decimal places`,
      },
    },
    options,
  );
}

const number = (name: string): PropertyDecorator =>
  IsNumber({ allowNaN: false, allowInfinity: false }, { message: `${name} must be a JSON number` });

export const ProducerNameField = (required = true): PropertyDecorator =>
  applyDecorators(
    doc(required)({
      example: 'Kaveri Organic Farms',
      minLength: 1,
      maxLength: MAX_PRODUCER_NAME_LENGTH,
      pattern: safeTextPattern({ notBlank: true }),
      description:
        'Visible text: no control characters, new lines or invisible formatting characters, not blank',
    }),
    ...(required ? [] : [WhenPresent()]),
    IsString(),
    MinLength(1),
    MaxLength(MAX_PRODUCER_NAME_LENGTH),
    IsSafeText({ notBlank: true }),
  );

const coordinate = (name: 'lat' | 'lng', limit: number, example: number, required: boolean) =>
  applyDecorators(
    doc(required)({
      example,
      type: 'number',
      minimum: -limit,
      maximum: limit,
      description: `Decimal degrees (${name === 'lat' ? 'latitude' : 'longitude'}), at most ${COORDINATE_DECIMALS} decimal places`,
    }),
    ...(required ? [] : [WhenPresent()]),
    number(name),
    Min(-limit),
    Max(limit),
    HasDecimals(COORDINATE_DECIMALS),
  );

export const LatitudeField = (required = true): PropertyDecorator =>
  coordinate('lat', MAX_LATITUDE, 12.971599, required);

export const LongitudeField = (required = true): PropertyDecorator =>
  coordinate('lng', MAX_LONGITUDE, 77.594566, required);

export const DeliveryRadiusField = (required = true): PropertyDecorator =>
  applyDecorators(
    doc(required)({
      example: 8.5,
      type: 'number',
      minimum: MIN_DELIVERY_RADIUS_KM,
      maximum: MAX_DELIVERY_RADIUS_KM,
      description: `Kilometres, at most ${RADIUS_DECIMALS} decimal place`,
    }),
    ...(required ? [] : [WhenPresent()]),
    number('delivery_radius_km'),
    Min(MIN_DELIVERY_RADIUS_KM),
    Max(MAX_DELIVERY_RADIUS_KM),
    HasDecimals(RADIUS_DECIMALS),
  );
