import { ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './support/spawn-service';
import { connectTestDb, deleteRedisKeys, dropDatabase } from './support/test-env';

/**
 * `npm run quickstart` as a newcomer runs it (after `npm run build`), from a working
 * directory with its own `.env`: what it reads, what it prints, how Ctrl-C stops it and
 * what it leaves behind when something fails. Ctrl-C is what a terminal sends: SIGINT to
 * the whole foreground process group.
 */
jest.setTimeout(180_000);

const ROOT = join(__dirname, '..');
const TS_NODE = join(ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js');

interface Run {
  readonly child: ChildProcess;
  readonly marker: string;
  output(): string;
  exited: Promise<number | null>;
}

/** The README's shell block that creates a product, pointed at `apiUrl`. */
function readmeCreateExample(apiUrl: string): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = [...readme.matchAll(/```bash\n([\s\S]*?)```/g)]
    .map((match) => match[1])
    .find((text) => text.includes('curl -X POST'));
  if (!block) {
    throw new Error('README.md has no example that creates a product');
  }
  return block.replaceAll('http://127.0.0.1:3000', apiUrl);
}

/** Processes (by pid) whose environment carries `marker`, i.e. this run and its children. */
function processesWith(marker: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) {
      continue;
    }
    try {
      if (readFileSync(`/proc/${entry}/environ`, 'latin1').includes(marker)) {
        pids.push(Number(entry));
      }
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

async function listening(port: number): Promise<boolean> {
  const socket = connect(port, '127.0.0.1');
  try {
    await once(socket, 'connect');
    return true;
  } catch {
    return false;
  } finally {
    socket.destroy();
  }
}

async function waitFor(run: Run, text: string, timeoutMs = 120_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!run.output().includes(text)) {
    if (run.child.exitCode !== null || Date.now() > deadline) {
      throw new Error(`no "${text}" from the quickstart; it said:\n${run.output()}`);
    }
    await sleep(100);
  }
}

describe('npm run quickstart', () => {
  const id = randomBytes(4).toString('hex');
  const dbName = `fl_test_qs_${id}`;
  const redisPrefix = `fl_test:qs_${id}:`;
  const dirs: string[] = [];
  const runs: Run[] = [];

  /** Starts the quickstart in a fresh directory holding `dotEnv` as its `.env`. */
  function startQuickstart(dotEnv: Record<string, string>, env: Record<string, string>): Run {
    const cwd = mkdtempSync(join(tmpdir(), 'fl-quickstart-'));
    dirs.push(cwd);
    writeFileSync(
      join(cwd, '.env'),
      Object.entries(dotEnv)
        .map(([name, value]) => `${name}=${value}`)
        .join('\n'),
    );
    const marker = `QUICKSTART_TEST_RUN=${randomBytes(8).toString('hex')}`;
    const child = spawn(
      process.execPath,
      [
        TS_NODE,
        '--swc',
        '-P',
        join(ROOT, 'test', 'partner-sim', 'tsconfig.cli.json'),
        join(ROOT, 'scripts', 'quickstart.ts'),
      ],
      {
        cwd,
        // Its own process group, as a terminal's foreground job; nothing inherited but PATH.
        detached: true,
        env: { PATH: process.env.PATH, [marker.split('=')[0]]: marker.split('=')[1], ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = new Promise<number | null>((resolve) =>
      child.once('exit', (code) => resolve(code)),
    );
    const run = { child, marker, output: () => output, exited };
    runs.push(run);
    return run;
  }

  afterAll(async () => {
    for (const run of runs) {
      for (const pid of processesWith(run.marker)) {
        process.kill(pid, 'SIGKILL');
      }
    }
    await dropDatabase(dbName);
    await deleteRedisKeys(redisPrefix);
    for (const dir of dirs) {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('honours .env, drains the API on Ctrl-C, stops the simulator and exits 0, leaving nothing running', async () => {
    const [port, simPort] = [await freePort(), await freePort()];
    const issuer = `quickstart-issuer-${id}`;
    const audience = `quickstart-audience-${id}`;
    const run = startQuickstart(
      {
        PORT: String(port),
        DB_NAME: dbName,
        DB_TYPE: 'mariadb',
        REDIS_KEY_PREFIX: redisPrefix,
        AUTH_ISSUER: issuer,
        AUTH_AUDIENCE: audience,
        DEMO_PRODUCTS: '300',
        LOG_LEVEL: 'info',
      },
      { PARTNER_SIM_PORT: String(simPort) },
    );
    await waitFor(run, 'running until Ctrl-C');
    const api = `http://127.0.0.1:${port}`;
    const sim = `http://127.0.0.1:${simPort}`;
    const said = run.output();
    expect(said).toContain(`[quickstart] FarmLokal API on ${api}`);
    expect(said).toContain('[quickstart] webhook subscription at the simulator: registered');
    expect(said).toContain(`[quickstart] catalog: database ${dbName} (kept between runs)`);
    // Readable logs: no JSON lines, no per-route start-up lines.
    expect(said).not.toMatch(/^\{"level"/m);
    expect(said).not.toContain('Mapped {');
    expect(said).toMatch(/seed: inserted 300 products in [\d.]+ s \([\d,]+ rows\/s\)/);

    // The issuer and audience of .env are the ones the service checks.
    const mint = async (claims: Record<string, string>): Promise<string> => {
      const res = await fetch(`${sim}/_control/jwt`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ scope: 'products:write', ...claims }),
      });
      return ((await res.json()) as { token: string }).token;
    };
    const create = async (token: string) =>
      (
        await fetch(`${api}/products`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({
            sku: `QS-${id}`,
            name: 'Kokum',
            category: 'fruits',
            price: '20.00',
            stock: 1,
          }),
        })
      ).status;
    expect(await create(await mint({ issuer, audience: 'farmlokal-api' }))).toBe(401);
    expect(await create(await mint({ issuer, audience }))).toBe(201);
    // The README's example POST, run twice as a newcomer would: a new product each time.
    const created: Record<string, unknown>[] = [];
    for (let i = 0; i < 2; i += 1) {
      const { stdout } = await promisify(execFile)('bash', ['-c', readmeCreateExample(api)], {
        cwd: ROOT,
        env: {
          PATH: process.env.PATH,
          HOME: process.env.HOME,
          AUTH_ISSUER: issuer,
          AUTH_AUDIENCE: audience,
        },
      });
      // curl prints bodies without newlines: the created product is the last object.
      created.push(
        JSON.parse(stdout.slice(stdout.lastIndexOf('{"id":'))) as Record<string, unknown>,
      );
    }
    expect(created).toEqual([
      expect.objectContaining({ id: expect.any(Number), name: 'Alphonso Mango' }),
      expect.objectContaining({ id: expect.any(Number), name: 'Alphonso Mango' }),
    ]);
    expect(created[0].sku).not.toBe(created[1].sku);
    const db = await connectTestDb(dbName);
    const [[{ n }]] = (await db.query('SELECT COUNT(*) AS n FROM products')) as unknown as [
      { n: number }[],
    ];
    await db.end();
    expect(Number(n)).toBe(303);

    // A request in flight (the partner answers after 1.5 s) when Ctrl-C arrives.
    await fetch(`${sim}/_control/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ mode: 'latency', latency_ms: 1500, item_id: 'slow-1' }),
    });
    const inFlight = fetch(`${api}/external/items/slow-1`).then(
      async (res) => ({ status: res.status, body: (await res.json()) as { source?: string } }),
      (error: Error) => ({ status: 0, body: { error: error.message } }),
    );
    await sleep(400);
    process.kill(-(run.child.pid as number), 'SIGINT');

    expect(await inFlight).toEqual({
      status: 200,
      body: expect.objectContaining({ source: 'live' }),
    });
    expect(await run.exited).toBe(0);
    expect(processesWith(run.marker)).toEqual([]);
    expect(await listening(port)).toBe(false);
    expect(await listening(simPort)).toBe(false);
  });

  it('stops every child it started when the API does not become ready', async () => {
    const [port, simPort, deadRedis] = [await freePort(), await freePort(), await freePort()];
    const run = startQuickstart(
      {
        DB_NAME: dbName,
        DB_TYPE: 'mariadb',
        REDIS_URL: `redis://127.0.0.1:${deadRedis}/0`,
        QUICKSTART_READY_TIMEOUT_S: '3',
      },
      { PORT: String(port), PARTNER_SIM_PORT: String(simPort) },
    );
    await waitFor(run, `partner simulator on http://127.0.0.1:${simPort}`);
    const code = await run.exited;
    expect(run.output()).toContain(`http://127.0.0.1:${port} was not ready within 3 s`);
    expect(code).toBe(1);
    expect(processesWith(run.marker)).toEqual([]);
    expect(await listening(port)).toBe(false);
    expect(await listening(simPort)).toBe(false);
  });
});
