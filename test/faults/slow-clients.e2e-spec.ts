import { ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  bodyOf,
  headersOf,
  openFds,
  RawConnection,
  rawConnect,
  rawConnectMany,
  rssMiB,
  statusOf,
} from '../support/raw-http';
import { createTestApp, TestApp } from '../support/create-test-app';
import { freePort, spawnService, SpawnedService } from '../support/spawn-service';
import { createTestEnv, TestEnv } from '../support/test-env';

jest.setTimeout(120_000);

const HEADERS_TIMEOUT_MS = 1_500;
const REQUEST_TIMEOUT_MS = 3_000;
const KEEP_ALIVE_TIMEOUT_MS = 2_000;
/** How long past a timeout the server may take to act (its timers are checked every second). */
const SLACK_MS = 8_000;
const PROBLEM_BASE = 'https://farmlokal.example/problems/';
const MAIN = join(__dirname, '..', '..', 'dist', 'src', 'main.js');

/** A syntactically valid but wrong Standard Webhooks signature. */
const FAKE_SIGNATURE = `v1,${Buffer.alloc(32, 1).toString('base64')}`;

function webhookHead(contentLength: number, extra: Record<string, string> = {}): string {
  const headers: Record<string, string> = {
    host: '127.0.0.1',
    'content-type': 'application/json',
    'content-length': String(contentLength),
    ...extra,
  };
  return (
    'POST /webhooks/partner HTTP/1.1\r\n' +
    Object.entries(headers)
      .map(([name, value]) => `${name}: ${value}\r\n`)
      .join('') +
    '\r\n'
  );
}

function signedLookingHeaders(): Record<string, string> {
  return {
    'webhook-id': `msg_${Math.random().toString(36).slice(2)}`,
    'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
    'webhook-signature': FAKE_SIGNATURE,
  };
}

async function allClosed(connections: RawConnection[], timeoutMs: number): Promise<number> {
  const results = await Promise.all(connections.map((c) => c.waitClosed(timeoutMs)));
  return results.filter(Boolean).length;
}

async function liveStatus(url: string): Promise<number> {
  try {
    const res = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(5_000) });
    return res.status;
  } catch {
    return 0;
  }
}

/** Polls until the process's descriptors are back near `baseline`; returns the last count. */
async function fdsSettle(pid: number, baseline: number, timeoutMs: number): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  let fds = openFds(pid);
  while (fds > baseline + 10 && Date.now() < deadline) {
    await sleep(250);
    fds = openFds(pid);
  }
  return fds;
}

describe('Slow and abusive clients (built service, real sockets)', () => {
  let env: TestEnv;
  let service: SpawnedService;
  let pid: number;
  let baselineFds: number;

  beforeAll(async () => {
    env = createTestEnv();
    service = await spawnService({
      ...env.vars,
      LOG_LEVEL: 'warn',
      HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
      HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      HTTP_KEEP_ALIVE_TIMEOUT_MS: String(KEEP_ALIVE_TIMEOUT_MS),
      RATE_LIMIT_LIMIT: '20',
      RATE_LIMIT_WEBHOOKS_LIMIT: '100000',
    });
    pid = service.process.pid as number;
    await fetch(`${service.url}/products?limit=1`);
    baselineFds = openFds(pid);
  });

  afterAll(async () => {
    await service?.stop();
    await env?.cleanup();
  });

  it('cuts webhook bodies that never finish at the request timeout; /health/live keeps answering', async () => {
    const connections = await rawConnectMany(service.url, 400);
    const partial = Buffer.alloc(64 * 1024, 0x20);
    await Promise.all(
      connections.map(
        (c) =>
          new Promise<void>((resolve) => {
            c.socket.write(webhookHead(262_000, signedLookingHeaders()));
            c.socket.write(partial, () => resolve());
          }),
      ),
    );
    const duringFds = openFds(pid);
    const duringRss = rssMiB(pid);
    const live: number[] = [];
    for (let i = 0; i < 5; i += 1) {
      live.push(await liveStatus(service.url));
      await sleep(100);
    }
    const closed = await allClosed(connections, REQUEST_TIMEOUT_MS + SLACK_MS);
    const afterFds = await fdsSettle(pid, baselineFds, SLACK_MS);
    process.stdout.write(
      `slow-body attack: fds ${baselineFds} -> ${duringFds} -> ${afterFds}, ` +
        `RSS during ${duringRss} MiB, live ${live.join(',')}\n`,
    );
    connections.forEach((c) => c.destroy());

    expect(live).toEqual([200, 200, 200, 200, 200]);
    expect(closed).toBe(connections.length);
    expect(afterFds).toBeLessThanOrEqual(baselineFds + 10);
    const answer = connections[0].received();
    expect(statusOf(answer)).toBe(408);
    expect(headersOf(answer)['content-type']).toMatch(/^application\/problem\+json/);
    expect(headersOf(answer)['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.parse(bodyOf(answer))).toMatchObject({
      type: `${PROBLEM_BASE}request-timeout`,
      status: 408,
    });
  });

  it('answers an unsigned webhook 401 from its headers alone and closes the connection', async () => {
    const connections = await rawConnectMany(service.url, 50);
    for (const c of connections) {
      c.socket.write(webhookHead(262_000));
      c.socket.write(Buffer.alloc(1024, 0x20));
    }
    const closed = await allClosed(connections, REQUEST_TIMEOUT_MS + SLACK_MS);
    connections.forEach((c) => c.destroy());

    expect(closed).toBe(connections.length);
    // A 401 rather than the request timeout's 408: answered before the body was read.
    const statuses = new Set(connections.map((c) => statusOf(c.received())));
    expect([...statuses]).toEqual([401]);
    const head = headersOf(connections[0].received());
    expect(head.connection).toBe('close');
    expect(head['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(bodyOf(connections[0].received()))).toMatchObject({
      type: `${PROBLEM_BASE}invalid-webhook-signature`,
      status: 401,
    });
  });

  it('rejects a webhook with a stale timestamp before its body, too', async () => {
    const c = await rawConnect(service.url);
    c.socket.write(
      webhookHead(262_000, {
        ...signedLookingHeaders(),
        'webhook-timestamp': String(Math.floor(Date.now() / 1000) - 3600),
      }),
    );
    expect(await c.waitClosed(REQUEST_TIMEOUT_MS + SLACK_MS)).toBe(true);
    expect(statusOf(c.received())).toBe(401);
    expect(JSON.parse(bodyOf(c.received()))).toMatchObject({
      detail: expect.stringMatching(/5 minutes/),
    });
  });

  it('cuts headers dribbled a byte at a time at the headers timeout with a 408 problem', async () => {
    const connections = await rawConnectMany(service.url, 50);
    const head = 'GET /products HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Padding: ';
    connections.forEach((c) => c.socket.write(head));
    const drip = setInterval(() => {
      for (const c of connections) {
        if (!c.closed) {
          c.socket.write('a');
        }
      }
    }, 200);
    const closed = await allClosed(connections, HEADERS_TIMEOUT_MS + SLACK_MS);
    clearInterval(drip);
    connections.forEach((c) => c.destroy());

    expect(closed).toBe(connections.length);
    expect(statusOf(connections[0].received())).toBe(408);
    expect(headersOf(connections[0].received())['content-type']).toMatch(
      /^application\/problem\+json/,
    );
  });

  it('closes idle connections (never used, and kept alive) while normal clients are served', async () => {
    const neverUsed = await rawConnectMany(service.url, 800);
    const keptAlive = await rawConnectMany(service.url, 100);
    keptAlive.forEach((c) =>
      c.socket.write('GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'),
    );
    const answered = await Promise.all(keptAlive.map((c) => c.waitFor(/\r\n\r\n/, 5_000)));
    expect(answered.every(Boolean)).toBe(true);
    const duringFds = openFds(pid);

    const normal = await fetch(`${service.url}/products?limit=5`, {
      signal: AbortSignal.timeout(5_000),
    });
    expect(normal.status).toBe(200);

    const closedNeverUsed = await allClosed(neverUsed, HEADERS_TIMEOUT_MS + SLACK_MS);
    const closedKeptAlive = await allClosed(keptAlive, KEEP_ALIVE_TIMEOUT_MS + SLACK_MS);
    const afterFds = await fdsSettle(pid, baselineFds, SLACK_MS);
    process.stdout.write(`idle connections: fds ${baselineFds} -> ${duringFds} -> ${afterFds}\n`);
    [...neverUsed, ...keptAlive].forEach((c) => c.destroy());

    expect(closedNeverUsed).toBe(neverUsed.length);
    expect(closedKeptAlive).toBe(keptAlive.length);
    expect(afterFds).toBeLessThanOrEqual(baselineFds + 10);
  });

  it('closes the connection after a 429 answered before the body was read', async () => {
    const connections = await rawConnectMany(service.url, 30);
    for (const c of connections) {
      c.socket.write(
        'POST /products HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
          'content-length: 100000\r\n\r\n{"sku":',
      );
      await sleep(5);
    }
    const rejected: RawConnection[] = [];
    await Promise.all(
      connections.map(async (c) => {
        if (await c.waitFor(/^HTTP\/1\.1 429/, 3_000)) {
          rejected.push(c);
        }
      }),
    );
    const closed = await allClosed(rejected, 2_000);
    connections.forEach((c) => c.destroy());

    expect(rejected.length).toBeGreaterThanOrEqual(10);
    expect(headersOf(rejected[0].received()).connection).toBe('close');
    expect(closed).toBe(rejected.length);
  });
});

describe('Slow and abusive clients under a 1,024-descriptor limit', () => {
  let env: TestEnv;
  let child: ChildProcess;
  let url: string;
  let output = '';

  beforeAll(async () => {
    env = createTestEnv();
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    child = spawn('prlimit', ['--nofile=1024:1024', '--', process.execPath, MAIN], {
      env: {
        ...process.env,
        ...env.vars,
        PORT: String(port),
        HOST: '127.0.0.1',
        LOG_LEVEL: 'warn',
        HTTP_HEADERS_TIMEOUT_MS: String(HEADERS_TIMEOUT_MS),
        HTTP_REQUEST_TIMEOUT_MS: String(REQUEST_TIMEOUT_MS),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const deadline = Date.now() + 30_000;
    while (Date.now() < deadline && (await liveStatus(url)) !== 200) {
      await sleep(200);
    }
  });

  afterAll(async () => {
    if (child?.exitCode === null) {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
    await env?.cleanup();
  });

  it('keeps descriptors below the limit with 1,100 connections held, and recovers by itself', async () => {
    const pid = child.pid as number;
    expect(await liveStatus(url)).toBe(200);
    const connections: RawConnection[] = [];
    for (let i = 0; i < 1_100; i += 1) {
      try {
        connections.push(await rawConnect(url));
      } catch {
        // refused: the listener is saturated
      }
    }
    let maxFds = 0;
    for (let i = 0; i < 10; i += 1) {
      maxFds = Math.max(maxFds, openFds(pid));
      await sleep(100);
    }
    // The attacker keeps every connection open: only the service can release them.
    await allClosed(connections, HEADERS_TIMEOUT_MS + SLACK_MS);
    let live = 0;
    const deadline = Date.now() + SLACK_MS;
    while (live !== 200 && Date.now() < deadline) {
      live = await liveStatus(url);
    }
    connections.forEach((c) => c.destroy());
    process.stdout.write(`1,024-fd limit: max fds ${maxFds}, live after ${live}\n`);

    expect(child.exitCode).toBeNull();
    expect(maxFds).toBeLessThan(1_000);
    expect(live).toBe(200);
    expect(output).not.toMatch(/EMFILE/);
  });
});

describe('Keep-alive default', () => {
  let env: TestEnv;
  let test: TestApp;

  beforeAll(async () => {
    env = createTestEnv();
    test = await createTestApp({ listen: true });
  });

  afterAll(async () => {
    await test?.close();
    await env?.cleanup();
  });

  it("keeps idle connections 65 s, longer than a load balancer's 60 s idle timeout", async () => {
    const res = await fetch(`${test.url}/health/live`);
    expect(res.headers.get('keep-alive')).toBe('timeout=65');
  });
});
