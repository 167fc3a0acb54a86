import type { LoggerService } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { loggableUrl } from '../logging/log-redaction';

/**
 * True when `error` only says that the client went away before its request was complete
 * (Node's "aborted" ECONNRESET while the body was being read): nothing failed on our side,
 * and nobody is left to answer.
 */
export function isClientAbort(error: unknown, request: FastifyRequest): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return (
    (code === 'ECONNRESET' || code === 'ECONNABORTED') &&
    (request.raw.destroyed || request.raw.socket?.destroyed === true) &&
    !request.raw.complete
  );
}

/** One line, at info and without a stack: a client hanging up is not our error. */
export function logClientAbort(logger: LoggerService, request: FastifyRequest): void {
  logger.log(
    {
      msg: 'Client closed the connection before sending the whole request',
      request_id: request.id,
      method: request.method,
      url: loggableUrl(request.url),
      route: request.routeOptions?.url ?? 'unmatched',
    },
    'HTTP',
  );
}
