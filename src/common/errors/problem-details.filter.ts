import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from './app.error';
import { PROBLEMS, ProblemCode, problemTypeUri } from './error-catalogue';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

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

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<FastifyRequest>();
    const reply = http.getResponse<FastifyReply>();
    const problem = toProblem(exception);

    if (problem.status >= 500 && !(exception instanceof AppError)) {
      this.logger.error(
        { err: exception, request_id: request.id, url: request.url },
        'Unhandled error',
      );
    }
    if (reply.sent) {
      return;
    }
    const path = (request.url ?? '/').split('?')[0];
    void reply
      .status(problem.status)
      .headers(problem.headers)
      .type(PROBLEM_CONTENT_TYPE)
      .send(problemBody(problem, path, String(request.id)));
  }
}
