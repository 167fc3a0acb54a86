import { ArgumentMetadata, Injectable, PipeTransform } from '@nestjs/common';
import { ValidationProblemError } from '../common/errors/app.error';
import { PARTNER_ITEM_ID_PATTERN } from './external.constants';

/** A partner item id route parameter: 1–64 of `A–Z a–z 0–9 _ - .`, not starting with a dot. */
@Injectable()
export class ParsePartnerItemIdPipe implements PipeTransform<string, string> {
  transform(value: string, metadata: ArgumentMetadata): string {
    if (typeof value === 'string' && PARTNER_ITEM_ID_PATTERN.test(value)) {
      return value;
    }
    const field = metadata.data ?? 'id';
    const message = `${field} must be 1-64 letters, digits, '_', '-' or '.', not starting with '.'`;
    throw new ValidationProblemError([{ field, message }], message);
  }
}
