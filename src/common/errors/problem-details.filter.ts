import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  NotFoundException,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  DATABASE_RETRY_AFTER_S,
  isDatabaseUnavailable,
  unavailableReason,
} from '../database/database-errors';
import { RouteMethods } from '../http/route-methods';
import { AppError } from './app.error';
import { PROBLEMS, ProblemCode, problemTypeUri } from './error-catalogue';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';
const UNAVAILABLE_LOG_INTERVAL_MS = 10_000;

export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  request_id: string;
  [extension: string]: unknown;
}

interface MappedProblem {
  code?: ProblemCode;
  status: number;
  title: string;
  detail: string;
  headers: Record<string, string>;
  extensions: Record<string, unknown>;
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

/** Maps any thrown value to a problem; unknown errors become a generic 500. */
export function toProblem(exception: unknown): MappedProblem {
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
    return {
      code: 'SERVICE_UNAVAILABLE',
      status: PROBLEMS.SERVICE_UNAVAILABLE.status,
      title: PROBLEMS.SERVICE_UNAVAILABLE.title,
      detail: 'The database is unavailable; retry later',
      headers: { 'retry-after': String(DATABASE_RETRY_AFTER_S) },
      extensions: {},
    };
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

/** Builds the RFC 9457 body for a mapped problem. */
export function problemBody(
  problem: MappedProblem,
  instance: string,
  requestId: string,
): ProblemBody {
  return {
    type: problem.code ? problemTypeUri(problem.code) : 'about:blank',
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    instance,
    request_id: requestId,
    ...problem.extensions,
  };
}

/** The one place where errors become responses: RFC 9457 problem+json, nothing internal. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger(ProblemDetailsFilter.name);
  private lastUnavailableLog = 0;

  constructor(private readonly routes: RouteMethods) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const path = (request.url ?? '/').split('?')[0];
    const problem = this.methodNotAllowed(exception, request, path) ?? toProblem(exception);

    if (problem.status === 503 && isDatabaseUnavailable(exception)) {
      this.warnUnavailable(exception);
    } else if (problem.status >= 500 && !(exception instanceof AppError)) {
      this.logger.error(
        { err: exception, request_id: request.id, url: request.url },
        'Unhandled error',
      );
    }
    if (reply.sent) {
      return;
    }
    void reply
      .status(problem.status)
      .headers(problem.headers)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problemBody(problem, path, String(request.id)));
  }

  /** One line per outage, not one per request: at most every 10 s. */
  private warnUnavailable(exception: unknown): void {
    const now = Date.now();
    if (now - this.lastUnavailableLog >= UNAVAILABLE_LOG_INTERVAL_MS) {
      this.lastUnavailableLog = now;
      this.logger.warn(
        `Database unavailable (${unavailableReason(exception)}); answering 503 with Retry-After`,
      );
    }
  }

  /** An unrouted request for a path that exists with other methods: 405 with `Allow`. */
  private methodNotAllowed(
    exception: unknown,
    request: FastifyRequest,
    path: string,
  ): MappedProblem | null {
    if (!(exception instanceof NotFoundException) || request.routeOptions?.url !== undefined) {
      return null;
    }
    const allowed = this.routes.allowed(path);
    if (allowed.length === 0 || allowed.includes(request.method)) {
      return null;
    }
    return {
      code: 'METHOD_NOT_ALLOWED',
      status: PROBLEMS.METHOD_NOT_ALLOWED.status,
      title: PROBLEMS.METHOD_NOT_ALLOWED.title,
      detail: `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
      headers: { allow: allowed.join(', ') },
      extensions: {},
    };
  }
}
