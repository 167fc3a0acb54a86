import {
  ArgumentMetadata,
  Injectable,
  PipeTransform,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import { FieldError, ValidationProblemError } from '../errors/app.error';

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((error) => {
    const field = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], field)];
  });
}

/**
 * The global pipe: strips nothing silently — unknown fields and query parameters are a
 * 400 — and turns class-validator output into `errors: [{ field, message }]`.
 */
export function createValidationPipe(): ValidationPipe {
  return new StrictParamsValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    forbidUnknownValues: true,
    transform: true,
    stopAtFirstError: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new ValidationProblemError(flatten(errors)),
  });
}

/**
 * Leaves route parameters as the text that was sent: the stock pipe would turn `0x1F`,
 * `1e0`, `1.0` or ` 1` into a number before a parameter pipe such as ParsePositiveIntPipe
 * sees it, so that non-canonical ids would be accepted.
 */
class StrictParamsValidationPipe extends ValidationPipe {
  protected override transformPrimitive(value: unknown, metadata: ArgumentMetadata): unknown {
    return metadata.type === 'param' ? value : super.transformPrimitive(value, metadata);
  }
}

/** Route parameter that must be a positive integer that fits a BIGINT UNSIGNED id. */
@Injectable()
export class ParsePositiveIntPipe implements PipeTransform<string, number> {
  transform(value: string, metadata: ArgumentMetadata): number {
    const field = metadata.data ?? 'id';
    if (!/^[1-9][0-9]{0,15}$/.test(value) || !Number.isSafeInteger(Number(value))) {
      throw new ValidationProblemError(
        [{ field, message: `${field} must be a positive integer` }],
        `${field} must be a positive integer`,
      );
    }
    return Number(value);
  }
}
