import { once } from 'node:events';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { fakeItem, PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

const OPEN_MS = 800;

/** A partner for answers the simulator cannot give; records every request path. */
async function startScriptedPartner(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<{ url: string; hits: string[]; server: Server }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(req.url ?? '');
    handler(req, res);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, hits, server };
}

async function circuitMetrics(app: TestApp): Promise<{ state: string; toOpen: number }> {
  const text = (await app.app.inject({ method: 'GET', url: '/metrics' })).body;
  const state = /partner_circuit_state\{partner="partner"\} (\d+)/.exec(text)?.[1] ?? '?';
  const toOpen = /partner_circuit_transitions_total\{partner="partner",to="open"\} (\d+)/.exec(
    text,
  )?.[1];
  return { state, toOpen: Number(toOpen ?? 0) };
}

describe('External partner API resilience', () => {
  let sim: PartnerSim;
  let env: TestEnv;

  beforeAll(async () => {
    sim = await startPartnerSim();
    env = createTestEnv({ ...sim.serviceEnv(), RATE_LIMIT_LIMIT: '100000' });
  });

  afterAll(async () => {
    await sim?.stop();
    await env?.cleanup();
  });

  describe('circuit breaker (against the simulator)', () => {
    let test: TestApp;

    beforeAll(async () => {
      test = await createTestApp({
        env: {
          EXTERNAL_MAX_ATTEMPTS: '2',
          BREAKER_WINDOW_MS: '10000',
          BREAKER_MIN_CALLS: '4',
          BREAKER_FAILURE_RATIO: '0.5',
          BREAKER_OPEN_MS: String(OPEN_MS),
        },
      });
    });

    afterAll(async () => {
      await test?.close();
    });

    const get = (id: string) => test.app.inject({ method: 'GET', url: `/external/items/${id}` });

    it('opens, fails fast without partner calls, half-opens after BREAKER_OPEN_MS and closes', async () => {
      const cached = await get('brk-cached');
      expect(cached.json().source).toBe('live');

      sim.setFault({ itemId: 'brk', mode: 'error_rate', rate: 1, status: 500 });
      // 1 success + 3 failures in the window: 75 % ≥ 50 % of ≥ 4 calls opens it, so the
      // second request's retry is refused by the breaker instead of reaching the partner.
      expect((await get('brk')).statusCode).toBe(503);
      expect((await get('brk')).statusCode).toBe(503);
      expect(sim.counters.itemAttempts('brk')).toBe(3);
      expect(await circuitMetrics(test)).toEqual({ state: '1', toOpen: 1 });

      sim.resetCounters();
      for (let i = 0; i < 5; i += 1) {
        const res = await get('brk');
        expect(res.statusCode).toBe(503);
        expect(res.json()).toMatchObject({
          type: 'https://farmlokal.example/problems/partner-unavailable',
        });
        expect(Number(res.headers['retry-after'])).toBeGreaterThanOrEqual(1);
      }
      const stale = await get('brk-cached');
      expect(stale.json()).toEqual({ item: fakeItem('brk-cached'), source: 'stale' });
      expect(sim.counters.itemAttempts()).toBe(0);

      await sleep(OPEN_MS + 50);
      expect((await get('brk')).statusCode).toBe(503);
      expect(sim.counters.itemAttempts('brk')).toBe(1);
      expect(await circuitMetrics(test)).toEqual({ state: '1', toOpen: 2 });

      await sleep(OPEN_MS + 50);
      sim.clearFaults();
      const recovered = await get('brk');
      expect(recovered.statusCode).toBe(200);
      expect(recovered.json()).toEqual({ item: fakeItem('brk'), source: 'live' });
      expect(sim.counters.itemAttempts('brk')).toBe(2);
      expect(await circuitMetrics(test)).toEqual({ state: '0', toOpen: 2 });
      expect((await get('brk')).json().source).toBe('live');
    });

    it('does not count 4xx answers as failures', async () => {
      sim.resetCounters();
      sim.setFault({ itemId: 'brk-404', mode: 'not_found' });
      for (let i = 0; i < 6; i += 1) {
        expect((await get('brk-404')).statusCode).toBe(404);
      }
      expect(sim.counters.itemAttempts('brk-404')).toBe(6);
      expect((await circuitMetrics(test)).state).toBe('0');
      sim.clearFaults();
    });
  });

  describe('answers the simulator cannot give', () => {
    let test: TestApp;
    let partner: Awaited<ReturnType<typeof startScriptedPartner>>;
    let redirectTarget: Awaited<ReturnType<typeof startScriptedPartner>>;

    beforeAll(async () => {
      redirectTarget = await startScriptedPartner((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(fakeItem('moved')));
      });
      partner = await startScriptedPartner((req, res) => {
        if (req.url === '/v1/items/always-401') {
          res.writeHead(401, { 'www-authenticate': 'Bearer error="invalid_token"' }).end();
        } else if (req.url === '/v1/items/moved') {
          res.writeHead(302, { location: `${redirectTarget.url}/v1/items/moved` }).end();
        } else if (req.url === '/v1/items/huge') {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(`{"id":"huge","name":"${'x'.repeat(2 * 1024 * 1024)}"}`);
        } else {
          res.writeHead(404).end();
        }
      });
      test = await createTestApp({ env: { PARTNER_API_URL: partner.url } });
    });

    afterAll(async () => {
      await test?.close();
      for (const server of [partner?.server, redirectTarget?.server]) {
        server?.closeAllConnections();
        server?.close();
      }
    });

    const get = (id: string) => test.app.inject({ method: 'GET', url: `/external/items/${id}` });

    it('refreshes the token once on 401 and gives up with 502 on a second 401', async () => {
      await get('warm-up');
      sim.resetCounters();
      const res = await get('always-401');
      expect(res.statusCode).toBe(502);
      expect(partner.hits.filter((url) => url === '/v1/items/always-401')).toHaveLength(2);
      expect(sim.counters.tokenRequests).toBe(1);
    });

    it('does not follow redirects', async () => {
      const res = await get('moved');
      expect(res.statusCode).toBe(502);
      expect(redirectTarget.hits).toHaveLength(0);
    });

    it('refuses an oversized body without retrying it', async () => {
      const res = await get('huge');
      expect(res.statusCode).toBe(502);
      expect(res.body).not.toContain('xxxx');
      expect(partner.hits.filter((url) => url === '/v1/items/huge')).toHaveLength(1);
    });
  });
});
