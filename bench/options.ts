import { join, resolve } from 'node:path';
import { BENCH_WEBHOOK_SECRET } from './webhook-sender';

/** Every knob of `npm run bench`, from the environment or `--flag value` arguments. */
export interface BenchOptions {
  readonly root: string;
  readonly durationS: number;
  readonly connections: number;
  readonly products: number;
  readonly dbName: string;
  readonly dbHost: string;
  readonly dbPort: number;
  readonly dbUser: string;
  readonly dbPassword: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  /** Scenario names to run; empty = all. */
  readonly only: readonly string[];
  /** Listing depth (in pages of 20) of the deep scenario. */
  readonly deepPage: number;
  /** Drop the bench database first, so the seeding rate is measured on a fresh seed. */
  readonly reseed: boolean;
  /** Scenario during which the service runs under `--cpu-prof`; null = none. */
  readonly profile: string | null;
  readonly resultsDir: string;
  /** The build of the service to run (default dist/); another folder allows A/B runs. */
  readonly dist: string;
  /** The rate limiter as in production (default), or off for a comparison. */
  readonly rateLimit: boolean;
  /** Distinct client addresses the load is spread over (X-Forwarded-For). */
  readonly clients: number;
  /** Length of the windows per-request costs are taken over (their median is reported). */
  readonly windowMs: number;
  /** The churn scenario: its length, its read rate and its webhook rate (per second). */
  readonly churnDurationS: number;
  readonly churnReadRate: number;
  readonly webhookRate: number;
  /** Arrival rate of the open-loop scenario; null = half the miss scenario's req/s. */
  readonly openLoopRate: number | null;
  /**
   * A second build (or the same with `compareEnv`) run beside the service: it joins the
   * matched-rate phases, so a change is measured against the current code on the same
   * machine at the same moment. null = none.
   */
  readonly compare: string | null;
  /** Environment overrides for the compared instance only. */
  readonly compareEnv: Record<string, string>;
}

const FLAGS: Record<string, string> = {
  '--duration': 'BENCH_DURATION_S',
  '--connections': 'BENCH_CONNECTIONS',
  '--products': 'BENCH_PRODUCTS',
  '--db': 'BENCH_DB_NAME',
  '--only': 'BENCH_ONLY',
  '--deep-page': 'BENCH_DEEP_PAGE',
  '--profile': 'BENCH_PROFILE',
  '--dist': 'BENCH_DIST',
  '--clients': 'BENCH_CLIENTS',
  '--window-ms': 'BENCH_WINDOW_MS',
  '--churn-duration': 'BENCH_CHURN_DURATION_S',
  '--churn-rate': 'BENCH_CHURN_READ_RATE',
  '--webhook-rate': 'BENCH_WEBHOOK_RATE',
  '--open-rate': 'BENCH_OPEN_LOOP_RATE',
  '--compare': 'BENCH_COMPARE',
  '--compare-env': 'BENCH_COMPARE_ENV',
};

/** Flags without a value. */
const SWITCHES: Record<string, [string, string]> = {
  '--reseed': ['BENCH_RESEED', 'true'],
  '--no-rate-limit': ['BENCH_RATE_LIMIT', 'false'],
};

function parseArgs(argv: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    const switched = SWITCHES[arg];
    if (switched) {
      values[switched[0]] = switched[1];
      continue;
    }
    const [flag, inline] = arg.split('=', 2);
    const name = FLAGS[flag];
    if (!name) {
      throw new Error(
        `unknown argument ${arg} (known: ${[...Object.keys(FLAGS), ...Object.keys(SWITCHES)].join(', ')})`,
      );
    }
    const value = inline ?? argv[(i += 1)];
    if (value === undefined) {
      throw new Error(`${flag} needs a value`);
    }
    values[name] = value;
  }
  return values;
}

/** `KEY=VALUE,KEY2=VALUE2` → a record (values may not contain commas). */
export function parseEnvList(raw: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const item of raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      throw new Error(`--compare-env wants KEY=VALUE items, got ${item}`);
    }
    values[item.slice(0, eq)] = item.slice(eq + 1);
  }
  return values;
}

function positiveInt(name: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined || raw === '') {
    return fallback;
  }
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`${name} must be a positive integer`);
  }
  return value;
}

export function loadOptions(argv = process.argv.slice(2)): BenchOptions {
  const env: Record<string, string | undefined> = { ...process.env, ...parseArgs(argv) };
  const root = join(__dirname, '..');
  return {
    root,
    durationS: positiveInt('BENCH_DURATION_S', env.BENCH_DURATION_S, 10),
    connections: positiveInt('BENCH_CONNECTIONS', env.BENCH_CONNECTIONS, 50),
    products: positiveInt('BENCH_PRODUCTS', env.BENCH_PRODUCTS, 1_000_000),
    dbName: env.BENCH_DB_NAME || 'farmlokal_bench',
    dbHost: env.DB_HOST || '127.0.0.1',
    dbPort: positiveInt('DB_PORT', env.DB_PORT, 3306),
    dbUser: env.DB_USER || 'root',
    dbPassword: env.DB_PASSWORD ?? '',
    redisUrl: env.REDIS_URL || 'redis://127.0.0.1:6379/0',
    redisPrefix: env.BENCH_REDIS_PREFIX || 'bench:',
    only: (env.BENCH_ONLY ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
    deepPage: positiveInt('BENCH_DEEP_PAGE', env.BENCH_DEEP_PAGE, 2_000),
    reseed: env.BENCH_RESEED === 'true' || env.BENCH_RESEED === '1',
    profile: env.BENCH_PROFILE || null,
    resultsDir: join(root, 'bench', 'results'),
    dist: resolve(root, env.BENCH_DIST || 'dist'),
    rateLimit: env.BENCH_RATE_LIMIT !== 'false' && env.BENCH_RATE_LIMIT !== '0',
    clients: positiveInt('BENCH_CLIENTS', env.BENCH_CLIENTS, 4096),
    windowMs: positiveInt('BENCH_WINDOW_MS', env.BENCH_WINDOW_MS, 1000),
    churnDurationS: positiveInt('BENCH_CHURN_DURATION_S', env.BENCH_CHURN_DURATION_S, 30),
    churnReadRate: positiveInt('BENCH_CHURN_READ_RATE', env.BENCH_CHURN_READ_RATE, 400),
    webhookRate: positiveInt('BENCH_WEBHOOK_RATE', env.BENCH_WEBHOOK_RATE, 40),
    openLoopRate: env.BENCH_OPEN_LOOP_RATE
      ? positiveInt('BENCH_OPEN_LOOP_RATE', env.BENCH_OPEN_LOOP_RATE, 1)
      : null,
    compare:
      env.BENCH_COMPARE || env.BENCH_COMPARE_ENV
        ? resolve(root, env.BENCH_COMPARE || env.BENCH_DIST || 'dist')
        : null,
    compareEnv: parseEnvList(env.BENCH_COMPARE_ENV ?? ''),
  };
}

/** The environment of the service under test and of the seeder. */
export function serviceEnv(options: BenchOptions, port: number): Record<string, string> {
  return {
    NODE_ENV: 'production',
    PORT: String(port),
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    DB_TYPE: 'mariadb',
    DB_HOST: options.dbHost,
    DB_PORT: String(options.dbPort),
    DB_USER: options.dbUser,
    DB_PASSWORD: options.dbPassword,
    DB_NAME: options.dbName,
    REDIS_URL: options.redisUrl,
    REDIS_KEY_PREFIX: options.redisPrefix,
    CURSOR_SIGNING_KEY: 'bench-cursor-signing-key-not-secret',
    OAUTH_CLIENT_SECRET: 'bench-oauth-client-secret-not-used',
    // Production refuses the partner simulator's URLs; the scenarios verify no token and
    // fetch none, so these point at a loopback port nothing listens on.
    AUTH_JWKS_URL: 'http://127.0.0.1:9/.well-known/jwks.json',
    AUTH_ISSUER: 'http://127.0.0.1:9',
    OAUTH_TOKEN_URL: 'http://127.0.0.1:9/oauth/token',
    // The limiter as in production (its default budgets), unless --no-rate-limit. The
    // load comes through 127.0.0.1 as from a load balancer, one X-Forwarded-For per shopper.
    RATE_LIMIT_ENABLED: String(options.rateLimit),
    TRUSTED_PROXIES: '127.0.0.1',
    WEBHOOK_SECRET: BENCH_WEBHOOK_SECRET,
    NODE_PATH: join(options.root, 'node_modules'),
  };
}
