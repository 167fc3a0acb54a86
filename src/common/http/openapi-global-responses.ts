import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem-response';
import { IGNORES_QUERY_EXTENSION } from './strict-query.guard';

type Responses = Record<string, { description: string; content?: object }>;

const problem = (description: string) => ({
  description,
  content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: '#/components/schemas/ProblemDto' } } },
});

/** Routes outside the rate limiter (they carry @SkipRateLimit). */
const UNLIMITED = /^\/(health|metrics)(\/|$)/;
/** Routes that never touch a dependency (liveness, metrics). */
const NO_DATABASE = /^\/(health\/live|metrics)$/;

/**
 * Documents the problems that global machinery, not a route, produces: a 400 for an
 * unknown query parameter (StrictQueryGuard, ValidationPipe) or a malformed URL on every
 * route; a 414 for a path parameter over Fastify's maxParamLength; a 429 on every rate-limited route (RateLimiter); a 413 and a 415 on every
 * route that takes a body (Fastify's body limit and content-type parsers); a 503 with
 * Retry-After on every route that may need MySQL while it is unreachable. A route's own
 * description of one of these statuses is kept.
 */
export function documentGlobalResponses(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item) as {
      responses?: Responses;
      requestBody?: object;
      [IGNORES_QUERY_EXTENSION]?: boolean;
    }[]) {
      if (!operation?.responses || typeof operation.responses !== 'object') {
        continue;
      }
      const add: Responses = {
        400: operation[IGNORES_QUERY_EXTENSION]
          ? problem('Malformed URL (invalid percent-encoding); the query string is ignored')
          : problem('Invalid request: unknown query parameter, malformed URL or invalid input'),
      };
      if (!UNLIMITED.test(path)) {
        add[429] = problem('Rate limit exceeded (see Retry-After)');
      }
      if (path.includes('{')) {
        add[414] = problem('A path segment is longer than the router accepts');
      }
      if (!NO_DATABASE.test(path)) {
        add[503] = problem('A dependency is unavailable; retry after Retry-After seconds');
      }
      if (operation.requestBody) {
        add[413] = problem('Request body too large');
        add[415] = problem('Unsupported media type (send application/json)');
      }
      operation.responses = { ...add, ...operation.responses };
    }
  }
  return document;
}
