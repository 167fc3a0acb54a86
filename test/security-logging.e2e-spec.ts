import type { Connection } from 'mysql2/promise';
import { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { rawConnect } from './support/raw-http';
import { connectTestDb, createTestEnv, TestEnv } from './support/test-env';

interface LogLine {
  level: string;
  msg?: string;
  [field: string]: unknown;
}

/** What the service writes to its log when secrets travel where they should not. */
describe('What gets logged', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let test: TestApp;
  let db: Connection;
  let text = '';

  const lines = (): LogLine[] =>
    text
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as LogLine);

  beforeAll(async () => {
    sim = await startPartnerSim();
    env = createTestEnv({ ...sim.serviceEnv(), LOG_LEVEL: 'debug', RATE_LIMIT_LIMIT: '100000' });
    test = await createTestApp({
      listen: true,
      logDestination: new Writable({
        write(chunk: Buffer, _encoding, callback) {
          text += chunk.toString();
          callback();
        },
      }),
    });
    db = await connectTestDb(env.dbName);
  });

  afterAll(async () => {
    await test?.close();
    await sim?.stop();
    await db?.end();
    await env?.cleanup();
  });

  beforeEach(() => {
    text = '';
  });

  it('never logs the webhook secret when saving a subscription fails', async () => {
    await db.query(`
      CREATE TRIGGER test_subscriptions_fault BEFORE INSERT ON partner_subscriptions
      FOR EACH ROW SIGNAL SQLSTATE '45000' SET MESSAGE_TEXT = 'injected save failure'`);
    try {
      const token = await sim.issueJwt({ scope: 'subscriptions:manage' });
      const res = await fetch(`${test.url}/external/subscriptions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(500);
      const body = await res.text();
      await sleep(100);

      const secrets = sim.subscriptions().map((subscription) => subscription.secret);
      expect(secrets).toHaveLength(1);
      const [secret] = secrets;
      const key = secret.replace(/^whsec_/, '');
      expect(text).toContain('injected save failure');
      expect(text).not.toContain(key);
      expect(body).not.toContain(key);
      expect(text).not.toContain(token);
    } finally {
      await db.query('DROP TRIGGER test_subscriptions_fault');
    }
  });

  it.each([
    ['/products?limit=5&token=qs-secret-0001', 'qs-secret-0001'],
    ['/products?access_token=qs-secret-0002', 'qs-secret-0002'],
    ['/products?limit=5&q=qs-secret-0003', 'qs-secret-0003'],
    ['/health/live?apikey=qs-secret-0004', 'qs-secret-0004'],
    ['/no-such-route?sig=qs-secret-0005', 'qs-secret-0005'],
    ['/products?token=qs%2Dsecret%2D0006', 'qs-secret-0006'],
  ])('logs GET %s with its route and without query values', async (url, secret) => {
    await fetch(`${test.url}${url}`);
    await sleep(50);
    expect(text).not.toContain(secret);
    expect(text).not.toContain(url.split('=').pop());
    const line = lines().find((l) => l.msg === 'request completed');
    expect(line).toMatchObject({ url: expect.stringMatching(/^\/[^?]*\?.*=/) });
  });

  it.each(['/products', '/webhooks/partner'])(
    'logs a client that hangs up mid-body on POST %s once, below warn, without a stack',
    async (path) => {
      const connection = await rawConnect(test.url);
      const seconds = Math.floor(Date.now() / 1000);
      connection.socket.write(
        `POST ${path} HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n` +
          'content-length: 5000\r\nwebhook-id: msg_abort\r\n' +
          `webhook-timestamp: ${seconds}\r\n` +
          `webhook-signature: v1,${Buffer.alloc(32, 3).toString('base64')}\r\n\r\n{"sku":`,
      );
      await sleep(200);
      connection.destroy();
      await sleep(300);

      const all = lines();
      expect(all.filter((l) => l.level === 'error' || l.level === 'warn')).toEqual([]);
      expect(text).not.toMatch(/"stack"/);
      const aborts = all.filter((l) => /abort|hung up|closed the connection/i.test(String(l.msg)));
      expect(aborts).toHaveLength(1);
      expect(['info', 'debug']).toContain(aborts[0].level);
    },
  );
});
