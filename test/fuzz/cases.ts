import { createHmac } from 'node:crypto';
import { Prng } from './prng';
import {
  generate,
  generateText,
  invalidJsonValues,
  invalidTexts,
  resolve,
  Schema,
  SchemaDocument,
} from './schema';

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  schema?: Schema;
}

export interface ResponseObject {
  description?: string;
  headers?: Record<string, { schema?: Schema }>;
  content?: Record<string, { schema?: Schema }>;
}

export interface Operation {
  parameters?: Parameter[];
  requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> };
  responses: Record<string, ResponseObject>;
  security?: Record<string, string[]>[];
  'x-ignores-query'?: boolean;
}

export interface OpenApiDocument extends SchemaDocument {
  paths: Record<string, Record<string, Operation>>;
}

/**
 * One request of the fuzz run. `valid` requests conform to the document and must not be
 * rejected as bad input; `invalid` ones certainly violate it and must not succeed (and,
 * when `expect` is given, must get one of those statuses); `any` ones only have to be
 * handled cleanly.
 */
export interface FuzzCase {
  operation: string;
  kind: 'valid' | 'invalid' | 'any';
  label: string;
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  expect?: number[];
  /** The bearer token sent, so that a response echoing it can be caught. */
  token?: string;
}

export interface Tokens {
  /** Every scope the API knows. */
  valid: string;
  /** Signed and current, but without the operation's scope → 403. */
  wrongScope: string;
  /** Not acceptable at all → 401, by label. */
  rejected: Record<string, string>;
}

export interface FuzzContext {
  doc: OpenApiDocument;
  rng: Prng;
  tokens: Tokens;
  /** Products that exist for GET/PATCH. */
  productIds: number[];
  /** Products that the DELETE cases may remove. */
  deletableIds: number[];
  /** Producers that exist for GET/PATCH. */
  producerIds: number[];
  skus: string[];
  webhookSecret: string;
  /** Cases per operation (mutations first, then valid requests up to this number). */
  perOperation: number;
}

const JSON_TYPE = 'application/json';
let sequence = 0;
const unique = (): string => `${Date.now().toString(36)}${(sequence += 1).toString(36)}`;

interface Draft {
  path: Record<string, string>;
  query: [string, string][];
  headers: Record<string, string>;
  body?: string | Buffer;
  token?: string;
}

function render(
  operation: string,
  template: string,
  draft: Draft,
): Omit<FuzzCase, 'kind' | 'label'> {
  const path = template.replace(/\{(\w+)\}/g, (_, name: string) =>
    encodePathSegment(draft.path[name] ?? ''),
  );
  const query = draft.query
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeQueryValue(value)}`)
    .join('&');
  const headers = { ...draft.headers };
  if (draft.token !== undefined) {
    headers.authorization = `Bearer ${draft.token}`;
  }
  return {
    operation,
    method: operation.split(' ')[0],
    url: query ? `${path}?${query}` : path,
    headers,
    body: draft.body,
    token: draft.token,
  };
}

/** A value already percent-encoded (starts with `%raw:`) is sent as is. */
function encodeQueryValue(value: string): string {
  return value.startsWith('%raw:') ? value.slice(5) : encodeURIComponent(value);
}

function encodePathSegment(value: string): string {
  return value.startsWith('%raw:') ? value.slice(5) : encodeURIComponent(value);
}

function jsonSchemaOf(operation: Operation): Schema | undefined {
  return operation.requestBody?.content?.[JSON_TYPE]?.schema;
}

/** Operation-specific knowledge the document states only in prose. */
function fixups(ctx: FuzzContext, key: string, draft: Draft): void {
  if (key === 'GET /products') {
    // A cursor is opaque: only a `next_cursor` the API gave out is valid (see followUp).
    draft.query = draft.query.filter(([name]) => name !== 'cursor');
    const min = draft.query.find(([name]) => name === 'min_price');
    const max = draft.query.find(([name]) => name === 'max_price');
    if (min && max && Number(min[1]) > Number(max[1])) {
      [min[1], max[1]] = [max[1], min[1]];
    }
    // radius_km and sort=distance only with near; sort=distance (near's default) is asc only.
    const has = (name: string): [string, string] | undefined =>
      draft.query.find(([n]) => n === name);
    if (!has('near')) {
      draft.query = draft.query.filter(
        ([name, value]) => name !== 'radius_km' && !(name === 'sort' && value === 'distance'),
      );
    } else if ((has('sort')?.[1] ?? 'distance') === 'distance') {
      draft.query = draft.query.filter(([name]) => name !== 'order');
    }
  }
  if ((key === 'POST /products' || key === 'PATCH /products/{id}') && draft.body !== undefined) {
    // A producer_id must name a producer that exists (else 400): use one of those created.
    const body = JSON.parse(String(draft.body)) as Record<string, unknown>;
    if (typeof body.producer_id === 'number') {
      body.producer_id = ctx.producerIds.length > 0 ? ctx.rng.pick(ctx.producerIds) : null;
      draft.body = JSON.stringify(body);
    }
  }
}

function validPathValue(ctx: FuzzContext, key: string, parameter: Parameter): string {
  if (parameter.name === 'id' && key.includes('/products/')) {
    const pool = key.startsWith('DELETE') ? ctx.deletableIds : ctx.productIds;
    if (pool.length > 0 && ctx.rng.bool(0.75)) {
      const index = key.startsWith('DELETE') ? pool.length - 1 : ctx.rng.int(0, pool.length - 1);
      const id = pool[index];
      if (key.startsWith('DELETE')) {
        pool.pop();
      }
      return String(id);
    }
  }
  if (parameter.name === 'id' && key.includes('/producers/')) {
    if (ctx.producerIds.length > 0 && ctx.rng.bool(0.75)) {
      return String(ctx.rng.pick(ctx.producerIds));
    }
  }
  return generateText(ctx.doc, parameter.schema ?? { type: 'string' }, ctx.rng);
}

function validDraft(ctx: FuzzContext, key: string, operation: Operation): Draft {
  const { rng, doc } = ctx;
  const draft: Draft = { path: {}, query: [], headers: {} };
  for (const parameter of operation.parameters ?? []) {
    const schema = parameter.schema ?? { type: 'string' };
    if (parameter.in === 'path') {
      draft.path[parameter.name] = validPathValue(ctx, key, parameter);
    } else if (parameter.in === 'query' && (parameter.required || rng.bool(0.35))) {
      draft.query.push([parameter.name, generateText(doc, schema, rng)]);
    } else if (parameter.in === 'header' && (parameter.required || rng.bool(0.3))) {
      draft.headers[parameter.name.toLowerCase()] = generateText(doc, schema, rng);
    }
  }
  const bodySchema = jsonSchemaOf(operation);
  if (bodySchema && (operation.requestBody?.required || rng.bool(0.6))) {
    draft.headers['content-type'] = JSON_TYPE;
    draft.body = JSON.stringify(generate(doc, bodySchema, rng));
  }
  if (operation.security?.length) {
    draft.token = ctx.tokens.valid;
  }
  fixups(ctx, key, draft);
  return draft;
}

interface Mutation {
  label: string;
  expect: number[];
  apply(draft: Draft): void;
}

/** Every single-fault mutation of an operation's valid request that the document rules out. */
function mutations(ctx: FuzzContext, key: string, operation: Operation): Mutation[] {
  const { doc } = ctx;
  const out: Mutation[] = [];
  const bad = (label: string, apply: (draft: Draft) => void, expect = [400]): void => {
    out.push({ label, expect, apply });
  };

  // Operations marked x-ignores-query (probes, metrics) document that they ignore it.
  if (!operation['x-ignores-query']) {
    bad('unknown query parameter', (d) => d.query.push(['unexpected_param', '1']));
    bad('unknown query parameter, SQL text', (d) => d.query.push(["x' OR '1'='1", '--']));
    bad('unknown query parameter, 10 KiB', (d) => d.query.push(['pad', 'p'.repeat(10_240)]));
    bad('prototype-polluting query parameter', (d) => d.query.push(['__proto__[admin]', 'true']));
  }

  for (const parameter of operation.parameters ?? []) {
    const schema = resolve(doc, parameter.schema ?? { type: 'string' });
    const name = parameter.name;
    if (parameter.in === 'query') {
      for (const text of invalidTexts(doc, schema)) {
        bad(`query ${name}=${JSON.stringify(text.slice(0, 24))}`, (d) => {
          d.query = d.query.filter(([n]) => n !== name);
          d.query.push([name, text]);
        });
      }
      bad(`query ${name} given twice`, (d) => {
        const value = generateText(doc, schema, ctx.rng);
        d.query = d.query.filter(([n]) => n !== name);
        d.query.push([name, value], [name, value]);
      });
      if (parameter.required) {
        bad(`query ${name} missing`, (d) => {
          d.query = d.query.filter(([n]) => n !== name);
        });
      }
    } else if (parameter.in === 'path') {
      const texts = invalidTexts(doc, schema);
      texts.push('%raw:%00', '%raw:%E0%A4%A', '%raw:%ED%A0%80');
      for (const text of texts) {
        bad(
          `path ${name}=${JSON.stringify(text.slice(0, 24))}`,
          (d) => (d.path[name] = text),
          [400, 404, 414],
        );
      }
    } else if (parameter.in === 'header' && !parameter.name.startsWith('webhook-')) {
      for (const text of invalidTexts(doc, schema)) {
        // HTTP strips a header value's surrounding whitespace; such values are not sent.
        if (/^[\x20-\x7e]*$/.test(text) && text.trim() === text) {
          bad(`header ${name}=${JSON.stringify(text.slice(0, 24))}`, (d) => {
            d.headers[name.toLowerCase()] = text;
          });
        }
      }
    }
  }

  const bodySchema = jsonSchemaOf(operation);
  if (bodySchema && !key.startsWith('POST /webhooks')) {
    const schema = resolve(doc, bodySchema);
    const withJson = (d: Draft, body: string): void => {
      d.headers['content-type'] = JSON_TYPE;
      d.body = body;
    };
    const base = (d: Draft): Record<string, unknown> => {
      const parsed: unknown = typeof d.body === 'string' ? JSON.parse(d.body) : {};
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
    };
    for (const junk of ['{', '{"sku":', "{'a':1}", '{"a":1,}', 'nul', '\u0000', '{"a":1}}']) {
      bad(`malformed JSON ${JSON.stringify(junk)}`, (d) => withJson(d, junk));
    }
    bad('JSON body of a scalar/array', (d) =>
      withJson(d, ctx.rng.pick(['[]', '"x"', '12', 'true'])),
    );
    bad('__proto__ in the body', (d) => withJson(d, '{"__proto__":{"admin":true}}'));
    bad('constructor.prototype in the body', (d) =>
      withJson(d, '{"constructor":{"prototype":{"admin":true}}}'),
    );
    bad('unknown body field', (d) => withJson(d, JSON.stringify({ ...base(d), is_admin: true })));
    bad(
      'text/plain body',
      (d) => {
        d.headers['content-type'] = 'text/plain';
        d.body = JSON.stringify(base(d));
      },
      [415],
    );
    bad(
      'form-encoded body',
      (d) => {
        d.headers['content-type'] = 'application/x-www-form-urlencoded';
        d.body = new URLSearchParams(
          Object.entries(base(d)).map(([key, value]): [string, string] => [key, String(value)]),
        ).toString();
      },
      [415],
    );
    bad(
      'application/xml body',
      (d) => {
        d.headers['content-type'] = 'application/xml';
        d.body = '<product><sku>A</sku></product>';
      },
      [415],
    );
    bad(
      'body over the size limit',
      (d) => withJson(d, JSON.stringify({ pad: 'x'.repeat(300_000) })),
      [413],
    );
    if (operation.requestBody?.required) {
      bad('no body at all', (d) => {
        delete d.headers['content-type'];
        d.body = undefined;
      });
      bad('empty body with a JSON content type', (d) => withJson(d, ''));
    }
    for (const name of schema.required ?? []) {
      bad(`body without required ${name}`, (d) => {
        const body = base(d);
        delete body[name];
        withJson(d, JSON.stringify(body));
      });
    }
    for (const [name, property] of Object.entries(schema.properties ?? {})) {
      for (const value of invalidJsonValues(doc, property)) {
        bad(`body ${name}=${JSON.stringify(value).slice(0, 24)}`, (d) =>
          withJson(d, JSON.stringify({ ...base(d), [name]: value })),
        );
      }
    }
  }

  if (operation.security?.length) {
    for (const [label, token] of Object.entries(ctx.tokens.rejected)) {
      bad(`bearer token: ${label}`, (d) => (d.token = token), [401]);
    }
    bad('no Authorization header', (d) => (d.token = undefined), [401]);
    bad(
      'Basic credentials instead of a bearer token',
      (d) => {
        d.token = undefined;
        d.headers.authorization = 'Basic ZmFybWxva2FsOnNlY3JldA==';
      },
      [401],
    );
    bad('token without the scope', (d) => (d.token = ctx.tokens.wrongScope), [403]);
  }
  return out;
}

/** Odd but well-formed input whose only requirement is a clean answer. */
function oddities(key: string): { label: string; apply(draft: Draft): void }[] {
  return [
    {
      label: 'x-request-id with odd text',
      apply: (d) => (d.headers['x-request-id'] = 'id\t"%s"<x>'),
    },
    {
      label: 'unknown query parameter with broken percent-encoding',
      apply: (d) => d.query.push(['q%', '%raw:%E0%A4%A']),
    },
    {
      label: 'Accept: application/xml',
      apply: (d) =>
        (d.headers.accept = key.startsWith('GET /metrics') ? 'text/html' : 'application/xml'),
    },
  ];
}

/** Signs a webhook draft with the configured secret (Standard Webhooks v1). */
export function signWebhookDraft(
  secret: string,
  id: string,
  timestamp: number,
  body: string,
): string {
  const keyBytes = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const mac = createHmac('sha256', keyBytes).update(`${id}.${timestamp}.${body}`).digest('base64');
  return `v1,${mac}`;
}

function webhookCases(ctx: FuzzContext, key: string, operation: Operation): FuzzCase[] {
  const { rng, doc } = ctx;
  const schema = jsonSchemaOf(operation) as Schema;
  const cases: FuzzCase[] = [];
  const now = (): number => Math.floor(Date.now() / 1000);
  const event = (): Record<string, unknown> => {
    const body = generate(doc, schema, rng) as Record<string, unknown>;
    const data = (body.data ?? {}) as Record<string, unknown>;
    body.type = rng.pick(['inventory.updated', 'price.updated', body.type]);
    if (rng.bool(0.7) && ctx.skus.length > 0) {
      data.sku = rng.pick(ctx.skus);
    }
    if (rng.bool(0.5)) {
      data.price = `${rng.int(0, 9999)}.${rng.int(10, 99)}`;
    }
    body.data = data;
    if (rng.bool(0.2)) {
      body.partner_extra = { nested: [1, 'two'] };
    }
    return body;
  };
  const make = (
    kind: FuzzCase['kind'],
    label: string,
    options: {
      body?: string | Buffer;
      id?: string | null;
      timestamp?: string | null;
      signature?: string | null;
      contentType?: string;
      query?: string;
      expect?: number[];
    } = {},
  ): void => {
    const id = options.id === undefined ? `msg_fuzz_${unique()}` : options.id;
    const timestamp = options.timestamp === undefined ? String(now()) : options.timestamp;
    const body = options.body ?? JSON.stringify(event());
    const headers: Record<string, string> = { 'content-type': options.contentType ?? JSON_TYPE };
    if (id !== null) {
      headers['webhook-id'] = id;
    }
    if (timestamp !== null) {
      headers['webhook-timestamp'] = timestamp;
    }
    const signature =
      options.signature === undefined
        ? signWebhookDraft(ctx.webhookSecret, id ?? '', Number(timestamp), body.toString())
        : options.signature;
    if (signature !== null) {
      headers['webhook-signature'] = signature;
    }
    cases.push({
      operation: key,
      kind,
      label,
      method: 'POST',
      url: `/webhooks/partner${options.query ?? ''}`,
      headers,
      body,
      expect: options.expect,
    });
  };

  make('invalid', 'no signature', { signature: null, expect: [401] });
  make('invalid', 'garbage signature', { signature: 'v1,AAAA', expect: [401] });
  make('invalid', 'only a v2 signature', { signature: 'v2,AAAA', expect: [401] });
  make('invalid', 'signed with another secret', {
    signature: signWebhookDraft('whsec_' + Buffer.alloc(32, 9).toString('base64'), 'x', 1, 'y'),
    expect: [401],
  });
  make('invalid', 'timestamp 10 minutes old', { timestamp: String(now() - 600), expect: [401] });
  make('invalid', 'timestamp 10 minutes ahead', { timestamp: String(now() + 600), expect: [401] });
  make('invalid', 'timestamp not a number', { timestamp: 'yesterday', expect: [400, 401] });
  make('invalid', 'no webhook-id', { id: null, expect: [400, 401] });
  make('invalid', 'no webhook-timestamp', { timestamp: null, expect: [400, 401] });
  make('invalid', 'webhook-id with a dot', { id: 'msg.1', expect: [400, 401] });
  make('invalid', 'webhook-id of 300 characters', { id: 'm'.repeat(300), expect: [400, 401] });
  for (const junk of ['{', '{"type":', 'nul', '{"a":1}}', '\u00ff\u00fe']) {
    make('invalid', `signed malformed JSON ${JSON.stringify(junk)}`, { body: junk, expect: [400] });
  }
  make('invalid', 'body over 256 KiB', {
    body: JSON.stringify({
      type: 'inventory.updated',
      data: { sku: 'x' },
      pad: 'x'.repeat(270_000),
    }),
    expect: [413],
  });
  make('invalid', 'unknown query parameter', { query: '?unexpected_param=1', expect: [400] });
  for (const body of ['[]', 'null', '"x"', '12', '{}', '{"type":"inventory.updated"}']) {
    make('any', `signed JSON without an event shape: ${body}`, { body });
  }
  make('any', 'signed text/plain delivery', { contentType: 'text/plain' });
  make('any', 'SQL and LIKE text in the sku', {
    body: JSON.stringify({ type: 'inventory.updated', data: { sku: "%' OR 1=1 --", stock: 1 } }),
  });
  const redelivered = `msg_fuzz_${unique()}`;
  const body = JSON.stringify(event());
  make('valid', 'first delivery', { id: redelivered, body });
  make('valid', 'same event delivered again', { id: redelivered, body });
  while (cases.length < ctx.perOperation) {
    make('valid', 'signed partner event');
  }
  return cases;
}

/** Every case for one operation, in a seeded order. */
export function casesFor(ctx: FuzzContext, path: string, method: string): FuzzCase[] {
  const operation = ctx.doc.paths[path][method];
  const key = `${method.toUpperCase()} ${path}`;
  if (key === 'POST /webhooks/partner') {
    return webhookCases(ctx, key, operation);
  }
  const cases: FuzzCase[] = [];
  const template = path;
  for (const mutation of mutations(ctx, key, operation)) {
    const draft = validDraft(ctx, key, operation);
    mutation.apply(draft);
    cases.push({
      ...render(key, template, draft),
      kind: 'invalid',
      label: mutation.label,
      expect: mutation.expect,
    });
  }
  for (const oddity of oddities(key)) {
    const draft = validDraft(ctx, key, operation);
    oddity.apply(draft);
    cases.push({ ...render(key, template, draft), kind: 'any', label: oddity.label });
  }
  const minimumValid = Math.max(40, ctx.perOperation - cases.length);
  for (let i = 0; i < minimumValid; i += 1) {
    cases.push({
      ...render(key, template, validDraft(ctx, key, operation)),
      kind: 'valid',
      label: 'generated from the schema',
    });
  }
  return ctx.rng.shuffle(cases);
}
