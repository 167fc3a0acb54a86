import { HttpException, HttpStatus } from '@nestjs/common';
import { AppError } from './app.error';
import { PROBLEMS, ProblemCode } from './error-catalogue';
import {
  DATABASE_BUSY_RETRY_AFTER_S,
  DATABASE_RETRY_AFTER_S,
  isDatabaseBusy,
  isDatabaseUnavailable,
} from '../database/database-errors';
import { RETRY_AFTER } from '../http/http-headers';

/** What an error says on the wire, before it is written (see problem-response.ts). */
export interface Problem {
  readonly code?: ProblemCode;
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  readonly headers: Record<string, string>;
  readonly extensions: Record<string, unknown>;
}

const STATUS_TO_CODE: Partial<Record<number, ProblemCode>> = {
  400: 'VALIDATION_FAILED',
  401: 'UNAUTHORIZED',
  403: 'INSUFFICIENT_SCOPE',
  404: 'NOT_FOUND',
  405: 'METHOD_NOT_ALLOWED',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  429: 'RATE_LIMITED',
  503: 'SERVICE_UNAVAILABLE',
};

/** The problem of a catalogue entry, for answers written outside the exception filter. */
export function problemOf(
  code: ProblemCode,
  detail: string,
  headers: Record<string, string> = {},
): Problem {
  return {
    code,
    status: PROBLEMS[code].status,
    title: PROBLEMS[code].title,
    detail,
    headers,
    extensions: {},
  };
}

/** Maps any thrown value to a problem; unknown errors become a generic 500. */
export function toProblem(exception: unknown): Problem {
  if (exception instanceof AppError) {
    return {
      code: exception.code,
      status: exception.status,
      title: PROBLEMS[exception.code].title,
      detail: exception.detail,
      headers: exception.headers,
      extensions: exception.extensions,
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const code = STATUS_TO_CODE[status];
    const isJsonSyntax = status === 400 && /JSON/i.test(exception.message);
    return {
      code: isJsonSyntax ? 'MALFORMED_JSON' : code,
      status,
      title: isJsonSyntax ? PROBLEMS.MALFORMED_JSON.title : code ? PROBLEMS[code].title : 'Error',
      detail: httpExceptionDetail(exception),
      headers: {},
      extensions: {},
    };
  }
  if (isDatabaseUnavailable(exception)) {
    return problemOf('SERVICE_UNAVAILABLE', 'The database is unavailable; retry later', {
      [RETRY_AFTER]: String(DATABASE_RETRY_AFTER_S),
    });
  }
  if (isDatabaseBusy(exception)) {
    return problemOf('SERVICE_UNAVAILABLE', 'The database is busy with concurrent writes; retry', {
      [RETRY_AFTER]: String(DATABASE_BUSY_RETRY_AFTER_S),
    });
  }
  return {
    code: 'INTERNAL',
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    title: PROBLEMS.INTERNAL.title,
    detail: 'An unexpected error occurred; the request id identifies it in our logs',
    headers: {},
    extensions: {},
  };
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') {
    return response;
  }
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') {
    return message;
  }
  if (Array.isArray(message)) {
    return message.join('; ');
  }
  return exception.message;
}
