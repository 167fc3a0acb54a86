import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsInt,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { IsSafeText, safeTextPattern } from '../../common/validation/safe-text';
import {
  MAX_CATEGORY_LENGTH,
  MAX_DESCRIPTION_LENGTH,
  MAX_NAME_LENGTH,
  MAX_SKU_LENGTH,
  MAX_STOCK,
  SKU_PATTERN,
} from '../products.constants';
import { CLIENT_PRICE } from '../../common/money/price';

const VISIBLE_TEXT =
  'Visible text: no control characters, new lines or invisible formatting characters ' +
  '(zero-width joiners are fine), well-formed Unicode, not blank';
const PRICE_MESSAGE = 'price must be a decimal string ≥ 0 with at most 2 decimals, e.g. "129.50"';

/** Validates only when the field is present; `null` is not "absent" (unlike @IsOptional). */
const WhenPresent = (): PropertyDecorator => ValidateIf((_, value) => value !== undefined);

type Doc = typeof ApiProperty;
const doc = (required: boolean): Doc => (required ? ApiProperty : ApiPropertyOptional);

export const SkuField = (required = true): PropertyDecorator =>
  applyDecorators(
    doc(required)({
      example: 'VEG-000042',
      minLength: 1,
      maxLength: MAX_SKU_LENGTH,
      pattern: SKU_PATTERN.source,
    }),
    ...(required ? [] : [WhenPresent()]),
    IsString(),
    MinLength(1),
    MaxLength(MAX_SKU_LENGTH),
    Matches(SKU_PATTERN, { message: 'sku may contain letters, digits, ".", "_" and "-" only' }),
  );

export const NameField = (required = true): PropertyDecorator =>
  applyDecorators(
    doc(required)({
      example: 'Alphonso Mango',
      minLength: 1,
      maxLength: MAX_NAME_LENGTH,
      pattern: safeTextPattern({ notBlank: true }),
      description: VISIBLE_TEXT,
    }),
    ...(required ? [] : [WhenPresent()]),
    IsString(),
    MinLength(1),
    MaxLength(MAX_NAME_LENGTH),
    IsSafeText({ notBlank: true }),
  );

export const DescriptionField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      example: 'Sweet, ripe mangoes from Ratnagiri',
      nullable: true,
      type: String,
      maxLength: MAX_DESCRIPTION_LENGTH,
      pattern: safeTextPattern({ multiline: true }),
      description:
        'Text with tabs and new lines allowed; no other control or invisible formatting ' +
        'characters; well-formed Unicode',
    }),
    ValidateIf((_, value) => value !== undefined && value !== null),
    IsString(),
    MaxLength(MAX_DESCRIPTION_LENGTH),
    IsSafeText({ multiline: true }),
  );

export const CategoryField = (required = true): PropertyDecorator =>
  applyDecorators(
    doc(required)({
      example: 'fruits',
      minLength: 1,
      maxLength: MAX_CATEGORY_LENGTH,
      pattern: safeTextPattern({ notBlank: true }),
      description: VISIBLE_TEXT,
    }),
    ...(required ? [] : [WhenPresent()]),
    IsString(),
    MinLength(1),
    MaxLength(MAX_CATEGORY_LENGTH),
    IsSafeText({ notBlank: true }),
  );

export const PriceField = (required = true): PropertyDecorator =>
  applyDecorators(
    doc(required)({
      example: '129.50',
      type: String,
      pattern: CLIENT_PRICE.pattern.source,
      description: 'Decimal string ≥ 0 with at most 2 decimal places',
    }),
    ...(required ? [] : [WhenPresent()]),
    IsString({ message: PRICE_MESSAGE }),
    Matches(CLIENT_PRICE.pattern, { message: PRICE_MESSAGE }),
  );

export const StockField = (required = true): PropertyDecorator =>
  applyDecorators(
    doc(required)({ example: 12, minimum: 0, maximum: MAX_STOCK, type: 'integer' }),
    ...(required ? [] : [WhenPresent()]),
    IsInt(),
    Min(0),
    Max(MAX_STOCK),
  );

export const ProducerIdField = (): PropertyDecorator =>
  applyDecorators(
    ApiPropertyOptional({
      example: 7,
      nullable: true,
      type: 'integer',
      minimum: 1,
      description:
        'The producer that sells it, or null for none; an unknown producer is a 400. A token ' +
        'acting for a producer (`producer_id` claim) may name only its own producer, and ' +
        'its products get it when this is absent',
    }),
    ValidateIf((_, value) => value !== undefined && value !== null),
    IsInt({ message: 'producer_id must be a positive integer (a producer id) or null' }),
    Min(1, { message: 'producer_id must be a positive integer (a producer id) or null' }),
    Max(Number.MAX_SAFE_INTEGER, {
      message: 'producer_id must be a positive integer (a producer id) or null',
    }),
  );
