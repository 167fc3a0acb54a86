import type { FuzzCase, OpenApiDocument, Operation } from './cases';
import { validate } from './schema';

/** The checks of a fuzz-clean run, named as Schemathesis names them. */
export const CHECKS = [
  'not_a_server_error',
  'status_code_conformance',
  'content_type_conformance',
  'problem_details',
  'response_schema_conformance',
  'response_headers_conformance',
  'negative_data_rejection',
  'positive_data_acceptance',
  'use_after_free',
  'ensure_resource_availability',
] as const;
export type CheckName = (typeof CHECKS)[number];

export interface Observed {
  statusCode: number;
  headers: Record<string, string | string[] | number | undefined>;
  body: string;
}

export interface Violation {
  check: CheckName;
  message: string;
}

const PROBLEM_TYPE = 'application/problem+json';
const PROBLEM_MEMBERS = ['type', 'title', 'status', 'detail', 'instance', 'request_id'] as const;
/** What must never reach a client: stack frames, source paths, SQL errors, driver codes. */
const LEAK =
  /\bat [\w$.<>]+ \(|node_modules|\/src\/[\w/-]+\.[jt]s|\.[jt]s:\d+:\d+|\bER_[A-Z_]{3,}|sqlMessage|sqlState|QueryFailedError|You have an error in your SQL syntax|Incorrect string value|Duplicate entry|ECONNREFUSED/;
/** Statuses a request that conforms to the document must not get (schemathesis: positive_data_acceptance). */
const REJECTS_INPUT = new Set([400, 401, 403, 405, 413, 415, 422]);

const mediaType = (value: Observed['headers'][string]): string =>
  (Array.isArray(value) ? value.join(',') : String(value ?? '')).split(';')[0].trim().toLowerCase();

export function describeCase(c: FuzzCase, status: number): string {
  const url = c.url.length > 120 ? `${c.url.slice(0, 120)}…` : c.url;
  const body =
    c.body === undefined
      ? ''
      : ` body=${JSON.stringify(c.body.toString().slice(0, 160))}${c.body.length > 160 ? '…' : ''}`;
  return `${c.method} ${url} [${c.kind}: ${c.label}]${body} → ${status}`;
}

/** Every check that applies to one response of `operation`. */
export function checkResponse(
  doc: OpenApiDocument,
  operation: Operation,
  c: FuzzCase,
  res: Observed,
  rateLimited: boolean,
): Violation[] {
  const out: Violation[] = [];
  const where = describeCase(c, res.statusCode);
  const fail = (check: CheckName, detail: string): void => {
    out.push({ check, message: `${where}: ${detail}` });
  };
  const status = res.statusCode;
  const type = mediaType(res.headers['content-type']);

  if (status >= 500) {
    fail('not_a_server_error', `server error ${res.body.slice(0, 200)}`);
  }

  const documented = operation.responses[String(status)] ?? operation.responses.default;
  if (!documented) {
    fail(
      'status_code_conformance',
      `status ${status} is not documented (documented: ${Object.keys(operation.responses).join(', ')})`,
    );
  }

  let json: unknown;
  let parsed = false;
  if (/json/.test(type)) {
    try {
      json = JSON.parse(res.body);
      parsed = true;
    } catch {
      fail('content_type_conformance', `${type} body is not JSON: ${res.body.slice(0, 80)}`);
    }
  }

  if (documented) {
    const content = documented.content ?? {};
    const types = Object.keys(content);
    if (types.length === 0 && res.body.length > 0) {
      fail('content_type_conformance', `no content documented, got ${type} body`);
    } else if (types.length > 0 && !types.includes(type)) {
      fail('content_type_conformance', `content-type ${type} is not one of ${types.join(', ')}`);
    }
    const schema = content[type]?.schema;
    if (schema && parsed) {
      const errors = validate(doc, schema, json);
      if (errors.length > 0) {
        fail('response_schema_conformance', errors.slice(0, 5).join('; '));
      }
    }
    for (const [name, header] of Object.entries(documented.headers ?? {})) {
      const value = res.headers[name.toLowerCase()];
      if (
        value !== undefined &&
        header.schema?.type === 'integer' &&
        !/^\d+$/.test(String(value))
      ) {
        fail('response_headers_conformance', `header ${name}: ${String(value)} is not an integer`);
      }
    }
  }

  const requestId = res.headers['x-request-id'];
  if (typeof requestId !== 'string' || requestId.length === 0) {
    fail('response_headers_conformance', 'no x-request-id');
  }
  if (rateLimited && status < 300) {
    for (const name of ['ratelimit-limit', 'ratelimit-remaining', 'ratelimit-reset']) {
      if (res.headers[name] === undefined) {
        fail('response_headers_conformance', `no ${name} on a rate-limited route`);
      }
    }
  }
  if ((status === 429 || status === 503) && res.headers['retry-after'] === undefined) {
    // Retry-After is documented on every 429/503; a 503 of the health check names no wait.
    if (status === 429) {
      fail('response_headers_conformance', 'a 429 without Retry-After');
    }
  }
  if (status === 201 && documented?.headers?.Location && !res.headers.location) {
    fail('response_headers_conformance', '201 without Location');
  }

  if (status >= 400) {
    if (type !== PROBLEM_TYPE) {
      fail('problem_details', `error content-type is ${type}, not ${PROBLEM_TYPE}`);
    } else if (parsed && json && typeof json === 'object') {
      const problem = json as Record<string, unknown>;
      const missing = PROBLEM_MEMBERS.filter((member) => problem[member] === undefined);
      if (missing.length > 0) {
        fail('problem_details', `missing ${missing.join(', ')}`);
      }
      if (problem.status !== status) {
        fail('problem_details', `body.status ${String(problem.status)} ≠ HTTP ${status}`);
      }
      if (problem.request_id !== requestId) {
        fail('problem_details', `request_id ${String(problem.request_id)} ≠ x-request-id`);
      }
    }
  }
  if (LEAK.test(res.body)) {
    fail('problem_details', `implementation detail in the body: ${res.body.slice(0, 300)}`);
  }
  if (c.token && c.token.length > 20 && res.body.includes(c.token)) {
    fail('problem_details', 'the bearer token is echoed in the body');
  }

  if (c.kind === 'invalid') {
    if (status < 400) {
      fail('negative_data_rejection', 'invalid input was accepted');
    } else if (c.expect && !c.expect.includes(status) && status < 500) {
      fail('negative_data_rejection', `expected ${c.expect.join(' or ')}`);
    }
  }
  if (c.kind === 'valid' && REJECTS_INPUT.has(status)) {
    fail('positive_data_acceptance', `valid input rejected: ${res.body.slice(0, 300)}`);
  }
  return out;
}
