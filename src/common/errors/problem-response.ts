import type { FastifyReply, FastifyRequest } from 'fastify';
import { problemTypeUri } from './error-catalogue';
import type { Problem } from './problem-mapping';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 problem details as sent. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  request_id: string;
  [extension: string]: unknown;
}

/** The path of a request URL, without its query string: a problem's `instance`. */
export function requestPath(url: string | undefined): string {
  return (url ?? '/').split('?')[0];
}

/** Builds the RFC 9457 body of a problem. */
export function problemBody(problem: Problem, instance: string, requestId: string): ProblemBody {
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

/**
 * Answers `request` with `problem` as application/problem+json: status, the problem's
 * headers and the body. Every problem the service sends is written here, whether it comes
 * from the exception filter, the rate limiter or an error Fastify raises before routing.
 */
export function writeProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): void {
  void reply
    .code(problem.status)
    .headers(problem.headers)
    .type(PROBLEM_CONTENT_TYPE)
    .send(problemBody(problem, requestPath(request.url), String(request.id)));
}
