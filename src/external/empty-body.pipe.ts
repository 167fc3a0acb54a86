import { Injectable, PipeTransform } from '@nestjs/common';
import { ValidationProblemError } from '../common/errors/app.error';

/**
 * For write routes that take no fields: an absent or empty JSON object passes, anything
 * else is a 400 naming each unexpected field (unknown fields are never ignored).
 */
@Injectable()
export class EmptyBodyPipe implements PipeTransform<unknown, Record<string, never>> {
  transform(value: unknown): Record<string, never> {
    if (value === undefined || value === null || value === '') {
      return {};
    }
    if (typeof value !== 'object' || Array.isArray(value)) {
      throw new ValidationProblemError(
        [{ field: 'body', message: 'body must be an empty JSON object or absent' }],
        'This request takes no body fields',
      );
    }
    const fields = Object.keys(value);
    if (fields.length > 0) {
      throw new ValidationProblemError(
        fields.map((field) => ({ field, message: `property ${field} should not exist` })),
        'This request takes no body fields',
      );
    }
    return {};
  }
}
