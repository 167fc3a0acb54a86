import { join, resolve } from 'node:path';

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
};

function parseArgs(argv: readonly string[]): Record<string, string> {
  const values: Record<string, string> = {};
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i];
    if (arg === '--reseed') {
      values.BENCH_RESEED = 'true';
      continue;
    }
    const [flag, inline] = arg.split('=', 2);
    const name = FLAGS[flag];
    if (!name) {
      throw new Error(
        `unknown argument ${arg} (known: ${Object.keys(FLAGS).join(', ')}, --reseed)`,
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
    // Throttling off, as the benchmark measures the catalog, not the limiter.
    RATE_LIMIT_ENABLED: 'false',
    NODE_PATH: join(options.root, 'node_modules'),
  };
}
