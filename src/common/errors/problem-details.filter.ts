import { ArgumentsHost, Catch, ExceptionFilter, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isDatabaseUnavailable, unavailableReason } from '../database/database-errors';
import { isClientAbort, logClientAbort } from '../http/client-abort';
import { RouteMethods } from '../http/route-methods';
import { loggableUrl } from '../logging/log-redaction';
import { AppError } from './app.error';
import { Problem, problemOf, toProblem } from './problem-mapping';
import { requestPath, writeProblem } from './problem-response';

const UNAVAILABLE_LOG_INTERVAL_MS = 10_000;

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
    if (isClientAbort(exception, request)) {
      logClientAbort(this.logger, request);
      return;
    }
    const problem = this.methodNotAllowed(exception, request) ?? toProblem(exception);

    if (problem.status === 503 && isDatabaseUnavailable(exception)) {
      this.warnUnavailable(exception);
    } else if (problem.status >= 500 && !(exception instanceof AppError)) {
      this.logger.error(
        { err: exception, request_id: request.id, url: loggableUrl(request.url ?? '/') },
        'Unhandled error',
      );
    }
    if (reply.sent) {
      return;
    }
    writeProblem(request, reply, problem);
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
  private methodNotAllowed(exception: unknown, request: FastifyRequest): Problem | null {
    if (!(exception instanceof NotFoundException) || request.routeOptions?.url !== undefined) {
      return null;
    }
    const path = requestPath(request.url);
    const allowed = this.routes.allowed(path);
    if (allowed.length === 0 || allowed.includes(request.method)) {
      return null;
    }
    return problemOf(
      'METHOD_NOT_ALLOWED',
      `${request.method} is not allowed on ${path}; allowed: ${allowed.join(', ')}`,
      { allow: allowed.join(', ') },
    );
  }
}
