import type { OpenAPIObject } from '@nestjs/swagger';
import { REQUEST_ID_HEADER } from './request-id';
import { RETRY_AFTER } from './http-headers';

type HeaderObject = { description: string; schema: { type: 'string' | 'integer' } };

const REQUEST_ID: HeaderObject = {
  description: 'Echo of the request id given in the request, else a generated one',
  schema: { type: 'string' },
};
const RATE_LIMIT_HEADERS: Record<string, HeaderObject> = {
  'RateLimit-Limit': {
    description: 'Requests allowed per window for this client and route group',
    schema: { type: 'integer' },
  },
  'RateLimit-Remaining': {
    description: 'Requests left in the current window',
    schema: { type: 'integer' },
  },
  'RateLimit-Reset': {
    description: 'Seconds until a request slot frees up',
    schema: { type: 'integer' },
  },
};
const RETRY_AFTER_DOC: HeaderObject = {
  description: 'Seconds to wait before retrying',
  schema: { type: 'integer' },
};
/** Routes outside the rate limiter (they carry @SkipRateLimit). */
const UNLIMITED = /^\/(health|metrics)(\/|$)/;

/**
 * Documents the headers every response carries (x-request-id) and those of rate-limited
 * routes (RateLimit-*, and Retry-After on 429/503), which no per-route decorator states.
 */
export function documentCommonHeaders(document: OpenAPIObject): OpenAPIObject {
  for (const [path, item] of Object.entries(document.paths)) {
    for (const operation of Object.values(item)) {
      const responses = (operation as { responses?: Record<string, { headers?: object }> })
        ?.responses;
      if (!responses || typeof responses !== 'object') {
        continue;
      }
      for (const [status, response] of Object.entries(responses)) {
        const headers: Record<string, HeaderObject> = { [REQUEST_ID_HEADER]: REQUEST_ID };
        if (!UNLIMITED.test(path)) {
          Object.assign(headers, RATE_LIMIT_HEADERS);
        }
        if (status === '429' || status === '503') {
          headers[RETRY_AFTER] = RETRY_AFTER_DOC;
        }
        response.headers = { ...headers, ...(response.headers ?? {}) };
      }
    }
  }
  return document;
}
