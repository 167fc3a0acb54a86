import { PROBLEMS, ProblemCode } from './error-catalogue';

/** One failed field of a validation problem. */
export interface FieldError {
  readonly field: string;
  readonly message: string;
}

export interface AppErrorOptions {
  /** Extra response headers, e.g. `Retry-After` or `WWW-Authenticate`. */
  readonly headers?: Record<string, string>;
  /** Extension members added to the problem body. */
  readonly extensions?: Record<string, unknown>;
  readonly cause?: unknown;
}

/**
 * Base class for every error a service throws on purpose. Services never throw
 * HttpException: the problem code says what went wrong, the filter decides the wire form.
 */
export class AppError extends Error {
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;

  constructor(
    readonly code: ProblemCode,
    readonly detail: string,
    options: AppErrorOptions = {},
  ) {
    super(detail, { cause: options.cause });
    this.name = new.target.name;
    this.headers = options.headers ?? {};
    this.extensions = options.extensions ?? {};
  }

  get status(): number {
    return PROBLEMS[this.code].status;
  }
}

export class ValidationProblemError extends AppError {
  constructor(
    readonly errors: readonly FieldError[],
    detail = 'One or more fields are invalid',
  ) {
    super('VALIDATION_FAILED', detail, { extensions: { errors } });
  }
}
