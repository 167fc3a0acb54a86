/**
 * Slow-client attack measurement: starts the built service (or SLOW_CLIENTS_MAIN) with its
 * default HTTP bounds, then for each attack holds hundreds of connections open and reports
 * the service's descriptors and RSS, /health/live, the latency of a normal client during the
 * attack, and how long the service takes to release the attackers' connections.
 *
 *   npm run build && npx ts-node --swc bench/slow-clients.ts
 */
import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { connect, createServer, Socket } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';

const MAIN = process.env.SLOW_CLIENTS_MAIN ?? join(__dirname, '..', 'dist', 'src', 'main.js');
const CONNECTIONS = Number(process.env.SLOW_CLIENTS_CONNECTIONS ?? 600);
const RELEASE_WAIT_MS = Number(process.env.SLOW_CLIENTS_RELEASE_WAIT_MS ?? 45_000);
const BODY_LENGTH = 262_000;
const SENT = Buffer.alloc(255 * 1024, 0x20);

interface Sample {
  attack: string;
  fds: string;
  rssMiB: string;
  live: string;
  p50: number;
  p99: number;
  releasedAfterS: string;
}

const fdsOf = (pid: number): number => readdirSync(`/proc/${pid}/fd`).length;
const rssOf = (pid: number): number =>
  Math.round(
    Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024,
  );

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket));
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

async function openMany(port: number, count: number): Promise<Socket[]> {
  const sockets: Socket[] = [];
  for (let i = 0; i < count; i += 100) {
    const batch = Array.from({ length: Math.min(100, count - i) }, () => open(port));
    for (const result of await Promise.allSettled(batch)) {
      if (result.status === 'fulfilled') {
        sockets.push(result.value);
      }
    }
  }
  return sockets;
}

async function latencies(url: string, count: number): Promise<{ p50: number; p99: number }> {
  const times: number[] = [];
  for (let i = 0; i < count; i += 1) {
    const start = performance.now();
    try {
      await (
        await fetch(`${url}/products?limit=20`, { signal: AbortSignal.timeout(5_000) })
      ).text();
      times.push(performance.now() - start);
    } catch {
      times.push(5_000);
    }
  }
  times.sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(times[Math.min(times.length - 1, Math.floor(q * times.length))] * 10) / 10;
  return { p50: at(0.5), p99: at(0.99) };
}

async function liveCount(url: string, tries: number): Promise<string> {
  let ok = 0;
  for (let i = 0; i < tries; i += 1) {
    try {
      const res = await fetch(`${url}/health/live`, { signal: AbortSignal.timeout(2_000) });
      ok += res.status === 200 ? 1 : 0;
    } catch {
      // refused or timed out
    }
  }
  return `${ok}/${tries}`;
}

function webhookHead(signedLooking: boolean): string {
  const extra = signedLooking
    ? `webhook-id: msg_${randomBytes(8).toString('hex')}\r\n` +
      `webhook-timestamp: ${Math.floor(Date.now() / 1000)}\r\n` +
      `webhook-signature: v1,${Buffer.alloc(32, 1).toString('base64')}\r\n`
    : '';
  return (
    'POST /webhooks/partner HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n' +
    `content-length: ${BODY_LENGTH}\r\n${extra}\r\n`
  );
}

async function measure(
  label: string,
  pid: number,
  url: string,
  port: number,
  baselineFds: number,
  attack: (sockets: Socket[]) => Promise<void> | void,
): Promise<Sample> {
  const sockets = await openMany(port, CONNECTIONS);
  await Promise.resolve(attack(sockets));
  await sleep(500);
  const fds = fdsOf(pid);
  const rss = rssOf(pid);
  const live = await liveCount(url, 10);
  const { p50, p99 } = await latencies(url, 200);
  const started = Date.now();
  let released = 'no';
  while (Date.now() - started < RELEASE_WAIT_MS) {
    if (fdsOf(pid) <= baselineFds + 10) {
      released = ((Date.now() - started) / 1000).toFixed(1);
      break;
    }
    await sleep(250);
  }
  sockets.forEach((s) => s.destroy());
  await sleep(1_000);
  return {
    attack: label,
    fds: `${baselineFds} → ${fds}`,
    rssMiB: String(rss),
    live,
    p50,
    p99,
    releasedAfterS: released === 'no' ? `not within ${RELEASE_WAIT_MS / 1000} s` : released,
  };
}

async function main(): Promise<void> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const dbName = `fl_slow_${randomBytes(4).toString('hex')}`;
  const child: ChildProcess = spawn(process.execPath, [MAIN], {
    env: {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'warn',
      DB_NAME: dbName,
      DB_TYPE: process.env.DB_TYPE ?? 'mariadb',
      REDIS_KEY_PREFIX: `${dbName}:`,
    },
    stdio: 'inherit',
  });
  try {
    while ((await liveCount(url, 1)) !== '1/1') {
      await sleep(200);
    }
    const pid = child.pid as number;
    await latencies(url, 50);
    const baselineFds = fdsOf(pid);
    const baselineRss = rssOf(pid);
    const base = await latencies(url, 200);
    const samples: Sample[] = [
      {
        attack: 'none',
        fds: String(baselineFds),
        rssMiB: String(baselineRss),
        live: await liveCount(url, 10),
        ...base,
        releasedAfterS: '–',
      },
    ];
    const sendBodies = (signedLooking: boolean) => async (sockets: Socket[]) => {
      await Promise.all(
        sockets.map(
          (s) =>
            new Promise<void>((resolve) => {
              s.write(webhookHead(signedLooking));
              s.write(SENT, () => resolve());
              setTimeout(resolve, 5_000);
            }),
        ),
      );
    };
    samples.push(
      await measure(
        `${CONNECTIONS} unsigned webhook bodies held`,
        pid,
        url,
        port,
        baselineFds,
        sendBodies(false),
      ),
      await measure(
        `${CONNECTIONS} signed-looking webhook bodies held`,
        pid,
        url,
        port,
        baselineFds,
        sendBodies(true),
      ),
      await measure(`${CONNECTIONS} headers dribbled`, pid, url, port, baselineFds, (sockets) => {
        sockets.forEach((s) => s.write('GET /products HTTP/1.1\r\nhost: 127.0.0.1\r\nx-a: '));
        const drip = setInterval(() => sockets.forEach((s) => s.writable && s.write('a')), 1_000);
        setTimeout(() => clearInterval(drip), RELEASE_WAIT_MS + 20_000).unref();
      }),
      await measure(
        `${CONNECTIONS} idle connections`,
        pid,
        url,
        port,
        baselineFds,
        () => undefined,
      ),
    );
    process.stdout.write(
      '| attack | fds | RSS MiB | /health/live | p50 ms | p99 ms | released after s |\n' +
        '| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n' +
        samples
          .map(
            (s) =>
              `| ${s.attack} | ${s.fds} | ${s.rssMiB} | ${s.live} | ${s.p50} | ${s.p99} | ${s.releasedAfterS} |`,
          )
          .join('\n') +
        '\n',
    );
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => child.once('exit', resolve));
    const db = await createConnection({
      host: process.env.DB_HOST ?? '127.0.0.1',
      port: Number(process.env.DB_PORT ?? 3306),
      user: process.env.DB_USER ?? 'root',
      password: process.env.DB_PASSWORD ?? '',
    });
    await db.query(`DROP DATABASE IF EXISTS \`${dbName}\``);
    await db.end();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
