import { writeFileSync } from 'node:fs';
import type { Connection } from 'mysql2/promise';
import { boxToWkt, capBox } from '../src/common/geo/sphere';
import { buildProduct, buildTiedProducts, insertProducts } from './factories/product.factory';
import { casesFor, FuzzCase, FuzzContext, OpenApiDocument, Operation } from './fuzz/cases';
import { CheckName, checkResponse, CHECKS, describeCase, Observed, Violation } from './fuzz/checks';
import { Prng } from './fuzz/prng';
import { generateWebhookSecret, PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

/**
 * Fuzz-clean: requests generated from the live OpenAPI document
 * (fixed seed) for every operation, valid ones and single-fault mutations, and the
 * Schemathesis checks on every answer. The partner simulator stays healthy, so no 5xx
 * is expected at all.
 */
const SEED = 0x5eed_f00d;
const PER_OPERATION = 100;
const WEBHOOK_SECRET = generateWebhookSecret();
const UNLIMITED = /^\/(health|metrics)(\/|$)/;

interface OperationStats {
  requests: number;
  byKind: Record<FuzzCase['kind'], number>;
  statuses: Record<number, number>;
}

describe('OpenAPI fuzzing (fuzz-clean)', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let test: TestApp;
  let db: Connection;
  let doc: OpenApiDocument;
  const violations = new Map<CheckName, string[]>(CHECKS.map((check) => [check, []]));
  const stats = new Map<string, OperationStats>();
  let elapsedMs = 0;

  const record = (found: Violation[]): void => {
    for (const { check, message } of found) {
      violations.get(check)?.push(message);
    }
  };

  async function send(c: FuzzCase): Promise<Observed> {
    const res = await test.app.inject({
      method: c.method as 'GET',
      url: c.url,
      headers: c.headers,
      payload: c.body,
    });
    return { statusCode: res.statusCode, headers: res.headers, body: res.body };
  }

  async function run(path: string, operation: Operation, c: FuzzCase): Promise<Observed> {
    const res = await send(c);
    record(checkResponse(doc, operation, c, res, !UNLIMITED.test(path)));
    const entry = stats.get(c.operation) ?? {
      requests: 0,
      byKind: { valid: 0, invalid: 0, any: 0 },
      statuses: {},
    };
    entry.requests += 1;
    entry.byKind[c.kind] += 1;
    entry.statuses[res.statusCode] = (entry.statuses[res.statusCode] ?? 0) + 1;
    stats.set(c.operation, entry);
    return res;
  }

  /** Stateful follow-ups: pages, created and deleted resources. */
  async function followUp(c: FuzzCase, res: Observed): Promise<void> {
    const products = doc.paths['/products/{id}'];
    if (c.operation === 'GET /products' && res.statusCode === 200 && c.kind === 'valid') {
      const cursor = (JSON.parse(res.body) as { page: { next_cursor: string | null } }).page
        .next_cursor;
      if (cursor) {
        const url = new URL(c.url, 'http://x');
        url.searchParams.set('cursor', cursor);
        await run('/products', doc.paths['/products'].get, {
          ...c,
          label: 'next page through next_cursor',
          url: `${url.pathname}${url.search}`,
        });
        const order = url.searchParams.get('order') === 'asc' ? 'desc' : 'asc';
        url.searchParams.set('order', order);
        await run('/products', doc.paths['/products'].get, {
          ...c,
          kind: 'invalid',
          expect: [400],
          label: 'next_cursor replayed with another order',
          url: `${url.pathname}${url.search}`,
        });
      }
    }
    if (c.operation === 'POST /products' && res.statusCode === 201) {
      const location = String(res.headers.location ?? '');
      const read = await run('/products/{id}', products.get, {
        operation: 'GET /products/{id}',
        kind: 'valid',
        label: `Location of a created product (${location})`,
        method: 'GET',
        url: location,
        headers: {},
      });
      if (read.statusCode !== 200 || read.body !== res.body) {
        violations
          .get('ensure_resource_availability')
          ?.push(
            `${describeCase(c, 201)}: GET ${location} answered ${read.statusCode} ${read.body}`,
          );
      }
    }
    if (c.operation === 'DELETE /products/{id}' && res.statusCode === 204) {
      for (const [method, operation] of [
        ['GET', products.get],
        ['PATCH', products.patch],
        ['DELETE', products.delete],
      ] as const) {
        const after = await run('/products/{id}', operation, {
          ...c,
          operation: `${method} /products/{id}`,
          method,
          kind: 'any',
          label: `${method} after DELETE`,
          body: method === 'PATCH' ? '{"stock":1}' : undefined,
          headers:
            method === 'PATCH' ? { ...c.headers, 'content-type': 'application/json' } : c.headers,
        });
        if (after.statusCode !== 404) {
          violations
            .get('use_after_free')
            ?.push(`${describeCase(c, 204)}: then ${method} answered ${after.statusCode}`);
        }
      }
    }
  }

  beforeAll(async () => {
    sim = await startPartnerSim({ port: 0 });
    env = createTestEnv({
      ...sim.serviceEnv(),
      WEBHOOK_SECRET,
      RATE_LIMIT_LIMIT: '1000000',
      RATE_LIMIT_WEBHOOKS_LIMIT: '1000000',
    });
    test = await createTestApp();
    db = await connectTestDb(env.dbName);
    const listed = buildTiedProducts(24);
    const deletable = Array.from({ length: 40 }, () => buildProduct({ category: 'fuzz' }));
    const productIds = await insertProducts(db, listed);
    const deletableIds = await insertProducts(db, deletable);

    const producerIds: number[] = [];
    for (const [lat, lng] of [
      [12.971599, 77.594566],
      [19.07609, 72.877426],
      [28.613939, 77.209023],
    ]) {
      const [inserted] = await db.query(
        'INSERT INTO producers (name, lat, lng, delivery_radius_km, delivery_box) ' +
          'VALUES (?, ?, ?, 5, ST_GeomFromText(?, 0))',
        ['Fuzz Farm', lat, lng, boxToWkt(capBox(lat, lng, 5_000))],
      );
      producerIds.push(Number((inserted as { insertId: number }).insertId));
    }

    const scopes = 'products:write producers:write subscriptions:manage';
    const valid = await sim.issueJwt({ scope: scopes, sub: 'fuzz-user' });
    const [header, payload] = valid.split('.');
    const unsigned = (claims: object): string =>
      `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${Buffer.from(
        JSON.stringify(claims),
      ).toString('base64url')}.`;
    const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString()) as object;
    const tokens = {
      valid,
      wrongScope: await sim.issueJwt({ scope: 'profile email', sub: 'fuzz-user' }),
      rejected: {
        'not a JWT': 'not-a-jwt',
        'alg none': unsigned(decoded),
        'payload swapped, signature kept': `${header}.${Buffer.from(
          JSON.stringify({ ...decoded, sub: 'admin' }),
        ).toString('base64url')}.${valid.split('.')[2]}`,
        expired: await sim.issueJwt({ scope: scopes, expiresInS: -120 }),
        'not yet valid': await sim.issueJwt({ scope: scopes, notBeforeS: 3600 }),
        'other audience': await sim.issueJwt({ scope: scopes, audience: 'someone-else' }),
        'other issuer': await sim.issueJwt({ scope: scopes, issuer: 'https://evil.example' }),
        'key not in the JWKS': await sim.issueJwt({ scope: scopes, unknownKey: true }),
        'empty bearer': '',
      },
    };

    const docs = await test.app.inject({ method: 'GET', url: '/docs-json' });
    doc = docs.json<OpenApiDocument>();

    const ctx: FuzzContext = {
      doc,
      rng: new Prng(SEED),
      tokens,
      productIds,
      deletableIds,
      producerIds,
      skus: listed.map((row) => row.sku),
      webhookSecret: WEBHOOK_SECRET,
      perOperation: PER_OPERATION,
    };
    const started = Date.now();
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(item)) {
        for (const c of casesFor(ctx, path, method)) {
          const res = await run(path, operation, c);
          await followUp(c, res);
        }
      }
    }
    elapsedMs = Date.now() - started;
    if (process.env.FUZZ_REPORT) {
      // Opt-in: the full findings and status counts as JSON, for triage.
      const report = {
        elapsedMs,
        stats: Object.fromEntries(stats),
        violations: Object.fromEntries(violations),
      };
      writeFileSync(process.env.FUZZ_REPORT, JSON.stringify(report, null, 2));
    }
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await test?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  it('sends a seeded set of valid and invalid requests to every documented operation', () => {
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    // An operation that takes no parameters and no body and ignores its query string
    // (x-ignores-query: probes, metrics) has no invalid request to send.
    const takesNoInput = new Set(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item)
          .filter(([, op]) => op['x-ignores-query'] && !op.parameters?.length && !op.requestBody)
          .map(([method]) => `${method.toUpperCase()} ${path}`),
      ),
    );
    expect(operations.length).toBeGreaterThanOrEqual(13);
    const summary = operations.map((operation) => {
      const entry = stats.get(operation);
      const succeeded = Object.entries(entry?.statuses ?? {})
        .filter(([status]) => Number(status) < 300)
        .reduce((sum, [, count]) => sum + count, 0);
      return {
        operation,
        enough: (entry?.requests ?? 0) >= 60,
        hasValid: (entry?.byKind.valid ?? 0) > 0,
        hasInvalid: (entry?.byKind.invalid ?? 0) > 0 || takesNoInput.has(operation),
        succeeded: succeeded > 0,
      };
    });
    expect(summary.filter((s) => !(s.enough && s.hasValid && s.hasInvalid && s.succeeded))).toEqual(
      [],
    );
  });

  it.each(CHECKS)('%s', (check) => {
    expect(violations.get(check)).toEqual([]);
  });
});
