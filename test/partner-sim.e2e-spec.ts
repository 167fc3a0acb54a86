import { createRemoteJWKSet, decodeProtectedHeader, jwtVerify } from 'jose';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { PartnerSim, signWebhook, startPartnerSim } from './partner-sim';

const CLIENT = { id: 'farmlokal-dev', secret: 'farmlokal-dev-secret' };

function basic(id: string, secret: string): string {
  return `Basic ${Buffer.from(`${id}:${secret}`).toString('base64')}`;
}

function requestToken(sim: PartnerSim, init: { form: Record<string, string>; auth?: string }) {
  return fetch(`${sim.url}/oauth/token`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      ...(init.auth ? { authorization: init.auth } : {}),
    },
    body: new URLSearchParams(init.form).toString(),
  });
}

async function accessToken(sim: PartnerSim): Promise<string> {
  const res = await requestToken(sim, {
    form: { grant_type: 'client_credentials' },
    auth: basic(CLIENT.id, CLIENT.secret),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

function getItem(sim: PartnerSim, id: string, token: string, signal?: AbortSignal) {
  return fetch(`${sim.url}/v1/items/${id}`, {
    headers: { authorization: `Bearer ${token}` },
    signal,
  });
}

async function waitFor(check: () => boolean): Promise<void> {
  for (let i = 0; i < 100 && !check(); i += 1) {
    await sleep(20);
  }
}

describe('partner simulator', () => {
  let sim: PartnerSim;
  let randomValue = 0.99;

  beforeAll(async () => {
    sim = await startPartnerSim({
      random: () => randomValue,
      webhooks: { retryDelaysMs: [10, 10, 10] },
    });
  });

  afterAll(async () => {
    await sim?.stop();
  });

  beforeEach(() => {
    sim.reset();
    randomValue = 0.99;
  });

  describe('webhook signer', () => {
    it('reproduces the Standard Webhooks test vector', () => {
      expect(
        signWebhook(
          'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
          'msg_p5jXN8AQM9LWM0D4loKWxJek',
          1614265330,
          '{"test": 2432232314}',
        ),
      ).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    });
  });

  describe('POST /oauth/token', () => {
    it('issues a token to a client authenticated with HTTP Basic', async () => {
      const res = await requestToken(sim, {
        form: { grant_type: 'client_credentials', audience: 'partner-api' },
        auth: basic(CLIENT.id, CLIENT.secret),
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('cache-control')).toBe('no-store');
      expect(await res.json()).toEqual({
        access_token: expect.any(String),
        token_type: 'Bearer',
        expires_in: 3600,
      });
      expect(sim.counters.tokenRequestLog[0]).toMatchObject({
        authMethod: 'basic',
        audience: 'partner-api',
        status: 200,
      });
    });

    it('issues a token to a client authenticated with form fields', async () => {
      sim.configureOAuth({ expiresInS: 42 });
      const res = await requestToken(sim, {
        form: {
          grant_type: 'client_credentials',
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
        },
      });
      expect(res.status).toBe(200);
      expect(await res.json()).toMatchObject({ token_type: 'Bearer', expires_in: 42 });
      expect(sim.counters.tokenRequests).toBe(1);
    });

    it('answers 401 invalid_client for wrong credentials, Basic or form', async () => {
      const viaBasic = await requestToken(sim, {
        form: { grant_type: 'client_credentials' },
        auth: basic(CLIENT.id, 'wrong'),
      });
      const viaForm = await requestToken(sim, {
        form: { grant_type: 'client_credentials', client_id: CLIENT.id, client_secret: 'wrong' },
      });
      expect(viaBasic.status).toBe(401);
      expect(viaBasic.headers.get('www-authenticate')).toMatch(/^Basic /);
      expect(await viaBasic.json()).toMatchObject({ error: 'invalid_client' });
      expect(viaForm.status).toBe(401);
      expect(await viaForm.json()).toMatchObject({ error: 'invalid_client' });
      expect(sim.counters.tokenRequests).toBe(2);
    });

    it('answers 503 while down and never answers while hanging', async () => {
      sim.configureOAuth({ down: true });
      const down = await requestToken(sim, {
        form: { grant_type: 'client_credentials' },
        auth: basic(CLIENT.id, CLIENT.secret),
      });
      expect(down.status).toBe(503);
      sim.configureOAuth({ down: false, hang: true });
      const hanging = fetch(`${sim.url}/oauth/token`, {
        method: 'POST',
        headers: { authorization: basic(CLIENT.id, CLIENT.secret) },
        signal: AbortSignal.timeout(300),
      });
      await expect(hanging).rejects.toThrow();
      expect(sim.counters.tokenRequests).toBe(2);
    });
  });

  describe('GET /v1/items/:id', () => {
    it('returns deterministic data for a valid token and records the attempt', async () => {
      const token = await accessToken(sim);
      const first = await getItem(sim, '42', token);
      const second = await getItem(sim, '42', token);
      expect(first.status).toBe(200);
      const item = await first.json();
      expect(item).toEqual({
        id: '42',
        name: expect.any(String),
        price: expect.stringMatching(/^\d+\.\d{2}$/),
        available_qty: expect.any(Number),
        updated_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
      });
      expect(await second.json()).toEqual(item);
      expect(sim.counters.itemAttempts('42')).toBe(2);
      expect(sim.counters.itemAuthTokens('42')).toEqual([token, token]);
      expect(sim.counters.itemAttemptTimes('42')).toHaveLength(2);
    });

    it('rejects unknown, expired and revoked tokens with invalid_token', async () => {
      const revoked = await accessToken(sim);
      sim.revokeTokens();
      const fresh = await accessToken(sim);
      sim.configureOAuth({ expiresInS: 0 });
      const expired = await accessToken(sim);
      for (const token of ['unknown-token', revoked, expired]) {
        const res = await getItem(sim, '7', token);
        expect(res.status).toBe(401);
        expect(res.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      }
      expect((await getItem(sim, '7', fresh)).status).toBe(200);
    });
  });

  describe('faults', () => {
    let token: string;

    beforeEach(async () => {
      token = await accessToken(sim);
    });

    it('hang never answers and records the client abort', async () => {
      sim.setFault({ itemId: '13', mode: 'hang' });
      await expect(getItem(sim, '13', token, AbortSignal.timeout(200))).rejects.toThrow();
      await waitFor(() => sim.counters.abortedRequests('13') === 1);
      expect(sim.counters.abortedRequests('13')).toBe(1);
      expect((await getItem(sim, '14', token)).status).toBe(200);
    });

    it('latency delays the answer past a short client timeout', async () => {
      sim.setFault({ mode: 'latency', latencyMs: 2000 });
      await expect(getItem(sim, '5', token, AbortSignal.timeout(200))).rejects.toThrow();
      await waitFor(() => sim.counters.abortedRequests('5') === 1);
      expect(sim.counters.abortedRequests('5')).toBe(1);
    });

    it('fail_next and rate_limit answer the next N attempts, then recover', async () => {
      sim.setFault({ itemId: '1', mode: 'fail_next', count: 2, status: 502, retryAfterS: 1 });
      sim.setFault({ itemId: '2', mode: 'rate_limit', count: 1, retryAfterS: 3 });
      const failed = await getItem(sim, '1', token);
      expect(failed.status).toBe(502);
      expect(failed.headers.get('retry-after')).toBe('1');
      expect((await getItem(sim, '1', token)).status).toBe(502);
      expect((await getItem(sim, '1', token)).status).toBe(200);
      const limited = await getItem(sim, '2', token);
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('3');
      expect((await getItem(sim, '2', token)).status).toBe(200);
    });

    it('error_rate fails attempts drawn under the rate', async () => {
      sim.setFault({ mode: 'error_rate', rate: 0.5, status: 503 });
      randomValue = 0.2;
      expect((await getItem(sim, '3', token)).status).toBe(503);
      randomValue = 0.8;
      expect((await getItem(sim, '3', token)).status).toBe(200);
    });

    it('not_found answers 404 for that item only, until faults are cleared', async () => {
      sim.setFault({ itemId: '404', mode: 'not_found' });
      expect((await getItem(sim, '404', token)).status).toBe(404);
      expect((await getItem(sim, '405', token)).status).toBe(200);
      sim.clearFaults();
      expect((await getItem(sim, '404', token)).status).toBe(200);
    });

    it('sets faults through the control API', async () => {
      const res = await fetch(`${sim.url}/_control/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ item_id: '9', mode: 'fail_next', count: 1, status: 500 }),
      });
      expect(res.status).toBe(204);
      expect((await getItem(sim, '9', token)).status).toBe(500);
      const counters = await (await fetch(`${sim.url}/_control/counters`)).json();
      expect(counters).toEqual({
        token_requests: 1,
        item_attempts: { '9': 1 },
        aborted_requests: { '9': 0 },
        webhook_deliveries: 0,
      });
    });
  });

  describe('JWT issuance', () => {
    const verify = (
      token: string,
      keys = createRemoteJWKSet(new URL(sim.serviceEnv().AUTH_JWKS_URL)),
    ) => jwtVerify(token, keys, { issuer: sim.url, audience: 'farmlokal-api' });

    it('signs RS256 and ES256 tokens that verify against the JWKS', async () => {
      const rs = await verify(await sim.issueJwt({ scope: 'products:write' }));
      const es = await verify(await sim.issueJwt({ scope: 'products:write', alg: 'ES256' }));
      expect(rs.payload).toMatchObject({ scope: 'products:write', sub: 'dev-user' });
      expect(rs.protectedHeader.alg).toBe('RS256');
      expect(es.protectedHeader.alg).toBe('ES256');
    });

    it('issues defective tokens on demand', async () => {
      await expect(verify(await sim.issueJwt({ unknownKey: true }))).rejects.toThrow();
      await expect(verify(await sim.issueJwt({ expiresInS: -60 }))).rejects.toThrow();
      await expect(verify(await sim.issueJwt({ notBeforeS: 600 }))).rejects.toThrow();
      await expect(verify(await sim.issueJwt({ audience: 'someone-else' }))).rejects.toThrow();
    });

    it('publishes a new kid on rotation', async () => {
      const before = decodeProtectedHeader(await sim.issueJwt()).kid;
      sim.rotateSigningKeys();
      const token = await sim.issueJwt();
      const after = decodeProtectedHeader(token).kid;
      expect(after).not.toBe(before);
      expect(sim.jwks().keys.map((key) => key.kid)).toEqual(
        expect.arrayContaining([before, after]),
      );
      await expect(verify(token)).resolves.toBeDefined();
    });
  });

  describe('webhooks', () => {
    let receiver: Server;
    let receiverUrl: string;
    const received: { headers: IncomingMessage['headers']; body: string }[] = [];

    beforeAll(async () => {
      receiver = createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          received.push({ headers: req.headers, body });
          res.statusCode = received.length === 1 ? 500 : 200;
          res.end(JSON.stringify({ status: 'processed' }));
        });
      });
      receiver.listen(0, '127.0.0.1');
      await once(receiver, 'listening');
      receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    });

    afterAll(async () => {
      receiver.close();
      await once(receiver, 'close');
    });

    it('delivers a signed event to subscribers, retrying a non-2xx answer', async () => {
      const token = await accessToken(sim);
      const created = await fetch(`${sim.url}/v1/webhooks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ url: receiverUrl, events: ['inventory.updated'] }),
      });
      expect(created.status).toBe(201);
      const subscription = (await created.json()) as { secret: string };
      expect(subscription.secret).toMatch(/^whsec_[A-Za-z0-9+/]{40,}={0,2}$/);

      const results = await sim.emit({
        type: 'inventory.updated',
        data: { sku: 'VEG-000001', stock: 5 },
        id: 'msg_test_1',
      });
      expect(results).toEqual([
        expect.objectContaining({
          url: receiverUrl,
          status: 200,
          attempts: 2,
          statuses: [500, 200],
        }),
      ]);
      expect(sim.counters.webhookDeliveries).toBe(2);
      const last = received[received.length - 1];
      expect(last.headers['webhook-id']).toBe('msg_test_1');
      expect(last.headers['webhook-signature']).toBe(
        signWebhook(
          subscription.secret,
          'msg_test_1',
          String(last.headers['webhook-timestamp']),
          last.body,
        ),
      );
      expect(JSON.parse(last.body)).toEqual({
        type: 'inventory.updated',
        timestamp: expect.any(String),
        data: { sku: 'VEG-000001', stock: 5 },
      });
      expect(await sim.emit({ type: 'price.updated', data: {} })).toEqual([]);
    });
  });
});
