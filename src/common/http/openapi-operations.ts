import type { OpenAPIObject } from '@nestjs/swagger';
import { PROBLEMS, ProblemCode, problemTypeUri } from '../errors/error-catalogue';
import { PROBLEM_CONTENT_TYPE } from '../errors/problem-response';

/** What each tag groups; a tag the map does not know gets a generic description. */
const TAG_DESCRIPTIONS: Record<string, string> = {
  products: 'The product catalog: keyset-paginated listing with filters, reads and writes',
  producers: 'Producers, their delivery areas and the near-me search',
  external: 'The partner API behind a circuit breaker, and webhook subscriptions at the partner',
  webhooks: 'Events the partner delivers to us (Standard Webhooks signatures)',
  auth: 'The partner access token this service holds',
  health: 'Liveness and readiness probes',
  operations: 'Prometheus metrics',
};

interface ProblemExample {
  readonly code: ProblemCode;
  readonly detail: string;
  /** Whether the operation can answer with this problem. */
  readonly applies?: (operation: OperationFacts) => boolean;
}

interface OperationFacts {
  readonly method: string;
  readonly path: string;
  readonly hasBody: boolean;
  readonly queryNames: readonly string[];
  readonly secured: boolean;
}

const under = (prefix: string) => (op: OperationFacts) => op.path.startsWith(prefix);

/** The problems each error status may carry, with a typical detail for each. */
const PROBLEM_EXAMPLES: readonly ProblemExample[] = [
  {
    code: 'VALIDATION_FAILED',
    detail: 'One or more fields are invalid',
  },
  {
    code: 'MALFORMED_JSON',
    detail: 'Unexpected end of JSON input',
    applies: (op) => op.hasBody,
  },
  {
    code: 'INVALID_CURSOR',
    detail: 'The cursor does not belong to this query',
    applies: (op) => op.queryNames.includes('cursor'),
  },
  {
    code: 'UNAUTHORIZED',
    detail: 'A bearer token is required (Authorization: Bearer <JWT>)',
    applies: (op) => op.secured,
  },
  {
    code: 'INVALID_WEBHOOK_SIGNATURE',
    detail: 'No webhook signature matches the body',
    applies: under('/webhooks'),
  },
  {
    code: 'INSUFFICIENT_SCOPE',
    detail: 'This operation needs the scope "products:write"',
    applies: (op) => op.secured,
  },
  { code: 'PRODUCT_NOT_FOUND', detail: 'Product 42 does not exist', applies: under('/products') },
  {
    code: 'PRODUCER_NOT_FOUND',
    detail: 'Producer 42 does not exist',
    applies: under('/producers'),
  },
  {
    code: 'PARTNER_ITEM_NOT_FOUND',
    detail: 'The partner has no item 42',
    applies: under('/external/items'),
  },
  {
    code: 'NOT_FOUND',
    detail: 'Nothing is here',
    applies: (op) => !/^\/(products|producers|external\/items)/.test(op.path),
  },
  {
    code: 'DUPLICATE_SKU',
    detail: 'A product with sku "FRU-0001" already exists',
    applies: under('/products'),
  },
  {
    code: 'IDEMPOTENCY_KEY_IN_USE',
    detail: 'The first request with this Idempotency-Key is still running; retry shortly',
    applies: (op) => op.method === 'post' && op.path === '/products',
  },
  {
    code: 'WEBHOOK_IN_PROGRESS',
    detail: 'Event evt_123 is being processed by another delivery',
    applies: under('/webhooks'),
  },
  { code: 'PAYLOAD_TOO_LARGE', detail: 'The body is larger than 262144 bytes' },
  { code: 'URI_TOO_LONG', detail: 'A path segment is longer than the router accepts' },
  {
    code: 'UNSUPPORTED_MEDIA_TYPE',
    detail: 'Content-Type text/plain is not accepted; send application/json',
  },
  {
    code: 'IDEMPOTENCY_KEY_MISMATCH',
    detail: 'This Idempotency-Key was used with a different request',
  },
  { code: 'RATE_LIMITED', detail: 'Too many requests; retry after 1 s' },
  { code: 'INTERNAL', detail: 'An unexpected error occurred', applies: (op) => !op.hasBody },
  {
    code: 'WEBHOOK_PROCESSING_FAILED',
    detail: 'The event could not be applied; the partner will retry',
    applies: under('/webhooks'),
  },
  { code: 'PARTNER_BAD_RESPONSE', detail: 'The partner answered 500' },
  {
    code: 'PARTNER_UNAVAILABLE',
    detail: 'The partner is unavailable (circuit open); retry later',
    applies: under('/external'),
  },
  {
    code: 'TOKEN_UNAVAILABLE',
    detail: 'No partner access token can be obtained right now',
    applies: under('/auth'),
  },
  {
    code: 'SERVICE_UNAVAILABLE',
    detail: 'The database is unreachable; retry after Retry-After seconds',
  },
];

type Json = Record<string, unknown>;

const WWW_AUTHENTICATE_HEADER: Json = {
  description:
    'The RFC 6750 challenge: `Bearer` when the request carried no credentials (or another ' +
    'scheme), `Bearer error="invalid_token"` when the bearer token is malformed or fails a check',
  schema: { type: 'string' },
};
interface Operation {
  summary?: string;
  security?: unknown[];
  tags?: string[];
  parameters?: { in?: string; name?: string }[];
  requestBody?: unknown;
  responses?: Record<string, { content?: Record<string, Json>; headers?: Record<string, Json> }>;
}

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];

/** `/products/{id}` → `/products/42`: the `instance` of an example. */
const exampleInstance = (path: string): string => path.replace(/\{[^}]+\}/g, '42');

function problemExamples(status: string, facts: OperationFacts): Record<string, Json> {
  const examples: Record<string, Json> = {};
  for (const { code, detail, applies } of PROBLEM_EXAMPLES) {
    if (String(PROBLEMS[code].status) !== status || (applies && !applies(facts))) {
      continue;
    }
    const value: Json = {
      type: problemTypeUri(code),
      title: PROBLEMS[code].title,
      status: PROBLEMS[code].status,
      detail,
      instance: exampleInstance(facts.path),
      request_id: '7f1c3d7e-3a50-4c55-9a51-0e5cbb0fb1a4',
    };
    if (code === 'VALIDATION_FAILED') {
      value.errors = [{ field: 'limit', message: 'limit must not be greater than 100' }];
    }
    examples[PROBLEMS[code].slug] = { summary: PROBLEMS[code].title, value };
  }
  return examples;
}

/**
 * Completes every operation where the decorators leave gaps that linters (and readers)
 * care about: an explicit `security: []` on the public ones, problem examples that match
 * each status (a 404 shows a not-found problem, not the schema's 400 example), and the
 * document-level list of tags with their descriptions.
 */
export function documentOperations(document: OpenAPIObject): OpenAPIObject {
  const tags = new Set<string>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = (item as Record<string, Operation | undefined>)[method];
      if (!operation) {
        continue;
      }
      operation.security ??= [];
      for (const tag of operation.tags ?? []) {
        tags.add(tag);
      }
      const facts: OperationFacts = {
        method,
        path,
        hasBody: operation.requestBody !== undefined,
        queryNames: (operation.parameters ?? [])
          .filter((parameter) => parameter.in === 'query')
          .map((parameter) => parameter.name ?? ''),
        secured: operation.security.length > 0,
      };
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if (status === '401' && facts.secured) {
          response.headers = { ...response.headers, 'WWW-Authenticate': WWW_AUTHENTICATE_HEADER };
        }
        const media = response.content?.[PROBLEM_CONTENT_TYPE];
        if (!media) {
          continue;
        }
        const examples = problemExamples(status, facts);
        if (Object.keys(examples).length > 0) {
          media.examples = examples;
        }
      }
    }
  }
  document.tags = [...tags].sort().map((name) => ({
    name,
    description: TAG_DESCRIPTIONS[name] ?? `Operations tagged ${name}`,
  }));
  return document;
}
