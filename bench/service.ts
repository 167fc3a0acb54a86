import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchOptions, serviceEnv } from './options';
import { Child, freePort, startNode, waitForOk } from './processes';
import type { CacheShare } from './cache-share';

/** Starts the built service (optionally under --cpu-prof) and waits until it is ready. */
export async function startService(
  options: BenchOptions,
  profileDir: string | null,
  overrides: Record<string, string> = {},
): Promise<Child> {
  const port = await freePort();
  const child = startNode(
    'service',
    [
      ...startFlags(options.root),
      ...profileFlags(profileDir),
      join(options.dist, 'src', 'main.js'),
    ],
    {
      cwd: options.root,
      env: { ...serviceEnv(options, port), ...overrides },
      url: `http://127.0.0.1:${port}`,
    },
  );
  await waitForOk(child, '/health/ready');
  return child;
}

/**
 * The Node flags `npm start` passes (the heap bounds in package.json), so the service runs
 * here as it does in production.
 */
function startFlags(root: string): string[] {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
    scripts: { start: string };
  };
  return pkg.scripts.start.split(/\s+/).filter((word) => word.startsWith('--'));
}

/** Starts the floor with the given body and content type; waits until it answers. */
const profileFlags = (dir: string | null): string[] =>
  dir ? ['--cpu-prof', `--cpu-prof-dir=${dir}`] : [];

export async function startFloor(
  options: BenchOptions,
  body: Buffer,
  contentType: string,
  profileDir: string | null = null,
): Promise<Child> {
  const port = await freePort();
  const bodyFile = join(mkdtempSync(join(tmpdir(), 'farmlokal-bench-')), 'floor-body');
  writeFileSync(bodyFile, body);
  const script = join('bench', 'floor-server.ts');
  const child = startNode(
    'floor',
    [...profileFlags(profileDir), '-r', 'ts-node/register', script],
    {
      cwd: options.root,
      env: {
        TS_NODE_SWC: 'true',
        BENCH_FLOOR_PORT: String(port),
        BENCH_FLOOR_BODY_FILE: bodyFile,
        BENCH_FLOOR_CONTENT_TYPE: contentType,
      },
      url: `http://127.0.0.1:${port}`,
    },
  );
  await waitForOk(child, '/');
  return child;
}

/**
 * Starts the database floor (bench/db-floor-server.ts) with the statements captured from
 * the service; waits until it answers.
 */
export async function startDbFloor(
  options: BenchOptions,
  statements: { missSql: string; byIdSql: string; prepared: boolean },
  profileDir: string | null = null,
): Promise<Child> {
  const port = await freePort();
  const env = serviceEnv(options, port);
  const child = startNode(
    'db-floor',
    [...profileFlags(profileDir), '-r', 'ts-node/register', join('bench', 'db-floor-server.ts')],
    {
      cwd: options.root,
      env: {
        TS_NODE_SWC: 'true',
        BENCH_FLOOR_PORT: String(port),
        BENCH_MISS_SQL: statements.missSql,
        BENCH_BY_ID_SQL: statements.byIdSql,
        BENCH_PREPARED: statements.prepared ? 'true' : 'false',
        DB_HOST: env.DB_HOST,
        DB_PORT: env.DB_PORT,
        DB_USER: env.DB_USER,
        DB_PASSWORD: env.DB_PASSWORD,
        DB_NAME: env.DB_NAME,
        CURSOR_SIGNING_KEY: env.CURSOR_SIGNING_KEY,
      },
      url: `http://127.0.0.1:${port}`,
    },
  );
  await waitForOk(child, '/products/1');
  return child;
}

const CACHE_LINE =
  /^products_cache_requests_total\{result="(hit|miss|error)"\}\s+(\d+(?:\.\d+)?)/gm;

/** The service's listing-cache counters from /metrics. */
export async function cacheCounters(service: Child): Promise<CacheShare> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const counts = { hit: 0, miss: 0, error: 0 };
  for (const match of text.matchAll(CACHE_LINE)) {
    counts[match[1] as keyof typeof counts] = Number(match[2]);
  }
  return { hits: counts.hit, misses: counts.miss, errors: counts.error };
}

/** The V8 heap (used and reserved) and memory outside it, MB, from the default metrics. */
export async function heapOf(
  service: Child,
): Promise<{ heapUsedMb: number; heapTotalMb: number; externalMb: number }> {
  const text = await (await fetch(`${service.url}/metrics`)).text();
  const gauge = (name: string): number => {
    const match = new RegExp(`^${name}\\s+(\\d+(?:\\.\\d+)?(?:e\\+\\d+)?)`, 'm').exec(text);
    return match ? Math.round(Number(match[1]) / 1048576) : NaN;
  };
  return {
    heapUsedMb: gauge('nodejs_heap_size_used_bytes'),
    heapTotalMb: gauge('nodejs_heap_size_total_bytes'),
    externalMb: gauge('nodejs_external_memory_bytes'),
  };
}

export function cacheDelta(before: CacheShare, after: CacheShare): CacheShare {
  return {
    hits: after.hits - before.hits,
    misses: after.misses - before.misses,
    errors: after.errors - before.errors,
  };
}
