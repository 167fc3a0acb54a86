import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderOpenApiDocument } from '../src/cli/openapi';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

const ROOT = join(__dirname, '..');
const BIN = join(ROOT, 'node_modules', '.bin');
const PUBLIC_BASE_URL = 'https://api.farmlokal.test';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(doc: Json): [string, Json][] {
  return Object.entries(doc.paths as Json).flatMap(([path, item]) =>
    METHODS.filter((m) => (item as Json)[m]).map(
      (m) => [`${m.toUpperCase()} ${path}`, (item as Json)[m] as Json] as [string, Json],
    ),
  );
}

function lint(command: string, args: string[]): { status: number | null; output: string } {
  const res = spawnSync(join(BIN, command), args, { cwd: ROOT, encoding: 'utf8' });
  return { status: res.status, output: `${res.stdout}${res.stderr}` };
}

describe('the OpenAPI document (openapi.json)', () => {
  const committed = readFileSync(join(ROOT, 'openapi.json'), 'utf8');
  const doc = JSON.parse(committed) as Json;

  it('is what the code describes (npm run openapi regenerates it)', async () => {
    expect(await renderOpenApiDocument()).toBe(committed);
  });

  it('is clean under Redocly (recommended, warnings as errors) and Spectral (spectral:oas)', () => {
    const redocly = lint('redocly', ['lint', 'openapi.json', '--format=stylish']);
    expect([redocly.status, redocly.output]).toEqual([0, expect.stringContaining('is valid')]);
    // (Its Node 20 deprecation banner aside.)
    expect(redocly.output.replace(/Deprecation warning/g, '')).not.toMatch(/\b(error|warning)\b/);
    const spectral = lint('spectral', ['lint', 'openapi.json', '--fail-severity=hint']);
    expect([spectral.status, spectral.output]).toEqual([0, expect.stringMatching(/No results/)]);
  });

  it('names a server, and every operation a summary, a description and its security', () => {
    expect(doc.servers).toEqual([
      { url: 'http://127.0.0.1:3000', description: expect.any(String) },
    ]);
    for (const [name, operation] of operations(doc)) {
      expect([name, typeof operation.summary, typeof operation.description]).toEqual([
        name,
        'string',
        'string',
      ]);
      expect([name, Array.isArray(operation.security)]).toEqual([name, true]);
    }
    const security = Object.fromEntries(
      operations(doc).map(([name, operation]) => [name, operation.security]),
    );
    expect(security['GET /products']).toEqual([]);
    expect(security['GET /products/{id}']).toEqual([]);
    expect(security['POST /webhooks/partner']).toEqual([]);
    expect(security['POST /products']).toEqual([{ bearer: [] }]);
    expect(security['DELETE /products/{id}']).toEqual([{ bearer: [] }]);
    const tags = new Set(operations(doc).flatMap(([, operation]) => operation.tags as string[]));
    expect((doc.tags as Json[]).map((tag) => String(tag.name)).sort()).toEqual([...tags].sort());
    for (const tag of doc.tags as Json[]) {
      expect(tag.description).toEqual(expect.any(String));
    }
  });

  it('gives every problem response examples of its own status', () => {
    for (const [name, operation] of operations(doc)) {
      for (const [status, response] of Object.entries(operation.responses as Json)) {
        const media = (response as Json).content?.['application/problem+json'];
        if (!media) {
          continue;
        }
        const examples = Object.values((media.examples ?? {}) as Json);
        expect([name, status, examples.length > 0]).toEqual([name, status, true]);
        for (const example of examples) {
          expect([name, status, example.value.status]).toEqual([name, status, Number(status)]);
        }
      }
    }
    const notFound = doc.paths['/products/{id}'].get.responses['404'].content[
      'application/problem+json'
    ].examples as Json;
    expect(Object.values(notFound).map((example) => String(example.value.type))).toEqual([
      'https://farmlokal.example/problems/product-not-found',
    ]);
    const listing400 = doc.paths['/products'].get.responses['400'].content[
      'application/problem+json'
    ].examples as Json;
    expect(Object.keys(listing400).sort()).toEqual(['invalid-cursor', 'validation-failed']);
  });

  it('says what in_stock=false and q mean', () => {
    const parameters = doc.paths['/products'].get.parameters as Json[];
    const describe = (name: string): string =>
      String(parameters.find((parameter) => parameter.name === name)?.description ?? '');
    expect(describe('in_stock')).toMatch(/`false` means no filter/);
    expect(describe('q')).toMatch(/start of the name/);
  });

  it('documents the ETag, Cache-Control and 304 of GET /products/{id}', () => {
    const operation = doc.paths['/products/{id}'].get;
    expect(operation.parameters).toEqual(
      expect.arrayContaining([expect.objectContaining({ name: 'If-None-Match', in: 'header' })]),
    );
    for (const status of ['200', '304']) {
      expect(Object.keys(operation.responses[status].headers)).toEqual(
        expect.arrayContaining(['ETag', 'Cache-Control']),
      );
    }
    expect(operation.responses['304'].content).toBeUndefined();
  });

  it('states what a bearer token must carry, and the 401 challenges', () => {
    const scheme = doc.components.securitySchemes.bearer as Json;
    for (const needle of [
      'RS256',
      'ES256',
      '`iss`',
      '`aud`',
      '`sub`, a non-empty string',
      'space-separated `scope`',
      '`producer_id`',
      'positive integer',
      'limits the writes',
      '`WWW-Authenticate: Bearer`',
      'error="invalid_token"',
    ]) {
      expect([needle, String(scheme.description).includes(needle)]).toEqual([needle, true]);
    }
    const challenge = doc.paths['/products'].post.responses['401'].headers['WWW-Authenticate'];
    expect(challenge.description).toMatch(/no credentials/);
  });

  describe('served by a running instance', () => {
    let env: TestEnv;
    let test: TestApp;

    beforeAll(async () => {
      env = createTestEnv();
      test = await createTestApp({ env: { PUBLIC_BASE_URL } });
    });

    afterAll(async () => {
      await test?.close();
      await env.cleanup();
    });

    it('is the committed document with PUBLIC_BASE_URL as its server', async () => {
      const res = await test.app.inject({ method: 'GET', url: '/docs-json' });
      expect(res.statusCode).toBe(200);
      const served = res.json<Json>();
      expect(served.servers).toEqual([{ url: PUBLIC_BASE_URL, description: expect.any(String) }]);
      expect({ ...served, servers: doc.servers }).toEqual(doc);
    });
  });
});
