import { randomBytes, randomUUID } from 'node:crypto';
import { generateWebhookSecret, PartnerSim, signWebhook, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { bodyOf, headersOf, rawConnect, statusOf } from './support/raw-http';
import { createTestEnv, TestEnv } from './support/test-env';

const PROBLEM_BASE = 'https://farmlokal.example/problems/';
const WEBHOOK_SECRET = generateWebhookSecret();

const nested = (depth: number): string => '{"a":'.repeat(depth - 1) + '{}' + '}'.repeat(depth - 1);
const nestedArray = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

/** Hostile request bodies, names and request lines. */
describe('Malformed and hostile input', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let test: TestApp;
  let writer: string;

  beforeAll(async () => {
    sim = await startPartnerSim();
    env = createTestEnv({
      ...sim.serviceEnv(),
      WEBHOOK_SECRET,
      RATE_LIMIT_LIMIT: '100000',
      RATE_LIMIT_WEBHOOKS_LIMIT: '100000',
    });
    test = await createTestApp({ listen: true });
    writer = await sim.issueJwt({ scope: 'products:write' });
  });

  afterAll(async () => {
    await test?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  const post = (url: string, payload: string | Buffer, headers: Record<string, string> = {}) =>
    test.app.inject({
      method: 'POST',
      url,
      headers: {
        authorization: `Bearer ${writer}`,
        'content-type': 'application/json',
        ...headers,
      },
      payload,
    });

  const product = (fields: Record<string, unknown> = {}) => ({
    sku: `IN-${randomBytes(5).toString('hex')}`,
    name: 'Alphonso Mango',
    category: 'fruits',
    price: '129.50',
    stock: 3,
    ...fields,
  });

  describe('JSON nesting', () => {
    it.each([
      ['objects', nested(10_000)],
      ['arrays', nestedArray(10_000)],
      ['objects, 65 levels', nested(65)],
    ])('answers a body of %s nested too deep with a 400 problem', async (_label, body) => {
      const res = await post('/products', body);
      expect(res.statusCode).toBe(400);
      expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(res.json()).toMatchObject({
        type: `${PROBLEM_BASE}malformed-json`,
        status: 400,
        detail: expect.stringMatching(/64 levels/),
      });
    });

    it('parses 64 levels (then validates the fields as usual)', async () => {
      const res = await post(
        '/products',
        JSON.stringify({ ...product(), x: JSON.parse(nested(63)) }),
      );
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ type: `${PROBLEM_BASE}validation-failed` });
    });

    it('does not count brackets inside strings', async () => {
      const res = await post('/products', JSON.stringify(product({ name: '{['.repeat(90) })));
      expect(res.statusCode).toBe(201);
    });

    it('answers a PATCH nested 10,000 deep with a 400 problem', async () => {
      const res = await test.app.inject({
        method: 'PATCH',
        url: '/products/1',
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
        payload: nested(10_000),
      });
      expect(res.statusCode).toBe(400);
    });

    it('answers a signed webhook nested 10,000 deep with a 400 problem', async () => {
      const body = `{"type":"inventory.updated","data":${nested(10_000)}}`;
      const id = `msg_${randomBytes(8).toString('hex')}`;
      const ts = Math.floor(Date.now() / 1000);
      const res = await test.app.inject({
        method: 'POST',
        url: '/webhooks/partner',
        headers: {
          'content-type': 'application/json',
          'webhook-id': id,
          'webhook-timestamp': String(ts),
          'webhook-signature': signWebhook(WEBHOOK_SECRET, id, ts, body),
        },
        payload: body,
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ type: `${PROBLEM_BASE}malformed-json` });
    });

    it('answers a body that is not UTF-8 with a 400 problem', async () => {
      const body = Buffer.concat([
        Buffer.from('{"sku":"X-1","name":"'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from('","category":"a","price":"1.00","stock":1}'),
      ]);
      const res = await post('/products', body);
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        type: `${PROBLEM_BASE}malformed-json`,
        detail: expect.stringMatching(/UTF-8/),
      });
    });
  });

  describe('names', () => {
    it.each([
      ['a NUL character', 'Mango\u0000'],
      ['an ANSI escape sequence', '\u001b[31mMango\u001b[0m'],
      ['a right-to-left override', 'Mango\u202eognaM'],
      ['a zero-width space', 'Man\u200bgo'],
      ['a byte-order mark', '\ufeffMango'],
      ['a line separator', 'Mango\u2028Fresh'],
      ['a new line', 'Mango\nFresh'],
      ['a tab', 'Mango\tFresh'],
      ['a lone high surrogate', 'Mango \ud800'],
      ['a lone low surrogate', '\udc00 Mango'],
      ['only spaces', '   '],
      ['only no-break and ideographic spaces', '\u00a0\u3000'],
    ])('rejects a name with %s (400, nothing stored)', async (_label, name) => {
      const body = product({ name });
      const res = await post('/products', JSON.stringify(body), {
        'idempotency-key': randomUUID(),
      });
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({
        type: `${PROBLEM_BASE}validation-failed`,
        errors: [{ field: 'name', message: expect.any(String) }],
      });
      const lookup = await test.app.inject({ method: 'GET', url: `/products?q=Man&limit=100` });
      expect(JSON.stringify(lookup.json())).not.toContain(body.sku);
    });

    it.each([
      ['a category with a zero-width joiner only', { category: '\u200d' }, 'category'],
      ['a category with a NUL', { category: 'fru\u0000its' }, 'category'],
      ['a description with an ANSI escape', { description: 'ok \u001b[2J' }, 'description'],
      ['a description with a lone surrogate', { description: 'ok \udfff' }, 'description'],
    ])('rejects %s', async (_label, fields, field) => {
      const res = await post('/products', JSON.stringify(product(fields)));
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ errors: [{ field }] });
    });

    it('rejects a PATCH to such a name too', async () => {
      const created = await post('/products', JSON.stringify(product()));
      const res = await test.app.inject({
        method: 'PATCH',
        url: `/products/${created.json<{ id: number }>().id}`,
        headers: { authorization: `Bearer ${writer}`, 'content-type': 'application/json' },
        payload: JSON.stringify({ name: 'Mango\u202e' }),
      });
      expect(res.statusCode).toBe(400);
    });

    it.each([
      ['Devanagari with a zero-width joiner', 'क्\u200dष आम'],
      ['Malayalam with a zero-width non-joiner', 'മാ\u200cമ്പഴം'],
      ['an emoji sequence', 'Mango 👩\u200d🌾'],
      ['accents and CJK', 'Café 芒果'],
    ])('accepts %s and stores it exactly as sent', async (_label, name) => {
      const res = await post('/products', JSON.stringify(product({ name })));
      expect(res.statusCode).toBe(201);
      const stored = await test.app.inject({
        method: 'GET',
        url: `/products/${res.json<{ id: number }>().id}`,
      });
      expect(stored.json<{ name: string }>().name).toBe(name);
    });

    it('accepts new lines and tabs in a description', async () => {
      const res = await post('/products', JSON.stringify(product({ description: 'a\n\tb\r\nc' })));
      expect(res.statusCode).toBe(201);
    });
  });

  describe('request lines and headers the HTTP parser rejects', () => {
    async function raw(bytes: Buffer): Promise<string> {
      const connection = await rawConnect(test.url);
      connection.socket.write(bytes);
      await connection.waitClosed(5_000);
      connection.destroy();
      return connection.received();
    }

    it('answers raw non-ASCII bytes in the request line with a problem and x-request-id', async () => {
      const answer = await raw(
        Buffer.concat([
          Buffer.from('GET /products/caf'),
          Buffer.from([0xc3, 0xa9, 0xff]),
          Buffer.from(' HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
        ]),
      );
      expect(statusOf(answer)).toBe(400);
      const headers = headersOf(answer);
      expect(headers['content-type']).toMatch(/^application\/problem\+json/);
      expect(headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
      expect(JSON.parse(bodyOf(answer))).toEqual({
        type: `${PROBLEM_BASE}malformed-request`,
        title: 'Malformed HTTP request',
        status: 400,
        detail: expect.any(String),
        instance: expect.any(String),
        request_id: headers['x-request-id'],
      });
    });

    it('answers a garbage request line with a problem', async () => {
      const answer = await raw(Buffer.from('HELLO\r\n\r\n'));
      expect(statusOf(answer)).toBe(400);
      expect(headersOf(answer)['content-type']).toMatch(/^application\/problem\+json/);
    });

    it('answers headers over the size limit with a 431 problem', async () => {
      const answer = await raw(
        Buffer.from(`GET /products HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`),
      );
      expect(statusOf(answer)).toBe(431);
      expect(JSON.parse(bodyOf(answer))).toMatchObject({
        type: `${PROBLEM_BASE}header-fields-too-large`,
        status: 431,
      });
    });
  });
});
