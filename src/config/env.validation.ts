import { plainToInstance, Transform, Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsString,
  IsUrl,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  ValidationError,
  validateSync,
} from 'class-validator';
import { productionProblems } from './production-checks';

export const DEV_CURSOR_SIGNING_KEY = 'farmlokal-dev-cursor-signing-key';
export const DEV_OAUTH_CLIENT_SECRET = 'farmlokal-dev-secret';
/** The local partner simulator's endpoints: the defaults, refused in production. */
const SIMULATOR_URLS = {
  AUTH_JWKS_URL: 'http://127.0.0.1:4010/.well-known/jwks.json',
  AUTH_ISSUER: 'http://127.0.0.1:4010',
  OAUTH_TOKEN_URL: 'http://127.0.0.1:4010/oauth/token',
} as const;
/**
 * partner_subscriptions.url is VARCHAR(512) and stores PUBLIC_BASE_URL + `/webhooks/partner`
 * (17 characters): a longer base URL would fail the save after the partner subscription was
 * created. src/external/external.constants.spec.ts keeps the two in step.
 */
export const PUBLIC_BASE_URL_MAX_LENGTH = 495;

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export type NodeEnv = 'development' | 'production' | 'test';
export type DbType = 'mysql' | 'mariadb';
export type OAuthClientAuth = 'client_secret_basic' | 'client_secret_post';
const LOG_LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const NODE_ENVS: NodeEnv[] = ['development', 'production', 'test'];
const DB_TYPES: DbType[] = ['mysql', 'mariadb'];
const OAUTH_CLIENT_AUTHS: OAuthClientAuth[] = ['client_secret_basic', 'client_secret_post'];
/** RFC 8707 §2: an absolute URI, with no fragment. */
const ABSOLUTE_URI_WITHOUT_FRAGMENT = /^[A-Za-z][A-Za-z0-9+.-]*:[^\s#]+$/;
const URL_OPTIONS = {
  require_tld: false,
  require_protocol: true,
  protocols: ['http', 'https'],
};

const EMPTY_AS_UNSET = new Set<string>();
/**
 * Empty strings count as "not set", so the default applies. Such values are dropped before
 * conversion (`validateEnv`): implicit conversion would otherwise turn `''` into `0` or
 * `false` before any `@Transform` runs.
 */
function EmptyAsUnset(): PropertyDecorator {
  return (_target, property) => {
    EMPTY_AS_UNSET.add(String(property));
  };
}
const toBoolean = ({ value }: { value: unknown }): unknown => {
  if (value === 'true' || value === true) {
    return true;
  }
  if (value === 'false' || value === false) {
    return false;
  }
  return value;
};

/**
 * Every environment variable the service reads, with its default. Validated once per
 * start-up (`validateEnv`); an invalid value stops the process with a message that names
 * the variable and never echoes its value.
 */
export class Env {
  @EmptyAsUnset() @IsIn(NODE_ENVS) NODE_ENV: NodeEnv = 'development';
  @EmptyAsUnset() @IsInt() @Min(0) @Max(65535) PORT: number = 3000;
  @EmptyAsUnset() @IsString() @MinLength(1) HOST: string = '0.0.0.0';
  @EmptyAsUnset() @IsIn(LOG_LEVELS) LOG_LEVEL: LogLevel = 'info';

  @EmptyAsUnset() @IsString() DB_HOST: string = '127.0.0.1';
  @EmptyAsUnset() @IsInt() @Min(1) @Max(65535) DB_PORT: number = 3306;
  @EmptyAsUnset() @IsString() DB_USER: string = 'root';
  @IsString() DB_PASSWORD: string = '';
  @EmptyAsUnset() @IsString() @MaxLength(64) DB_NAME: string = 'farmlokal';
  @EmptyAsUnset() @IsIn(DB_TYPES) DB_TYPE: DbType = 'mysql';
  @EmptyAsUnset() @IsInt() @Min(1) @Max(500) DB_POOL_SIZE: number = 10;
  // Read as a string: implicit conversion would turn any non-empty string into `true`.
  @EmptyAsUnset()
  @Type(() => String)
  @Transform(toBoolean)
  @IsBoolean()
  DB_MIGRATE_ON_START: boolean = true;
  /** Comma-separated `host[:port]` list of read replicas; empty = read from the primary. */
  @IsString() DB_READ_HOSTS: string = '';
  /** Bounds on waiting for the database (ms): connecting, a free pool connection, a query. */
  @EmptyAsUnset() @IsInt() @Min(100) @Max(60000) DB_CONNECT_TIMEOUT_MS: number = 1000;
  @EmptyAsUnset() @IsInt() @Min(100) @Max(60000) DB_ACQUIRE_TIMEOUT_MS: number = 1000;
  @EmptyAsUnset() @IsInt() @Min(100) @Max(600000) DB_QUERY_TIMEOUT_MS: number = 1000;

  @EmptyAsUnset()
  @IsUrl({ require_tld: false, require_protocol: true, protocols: ['redis', 'rediss'] })
  REDIS_URL: string = 'redis://127.0.0.1:6379/0';
  @IsString() @MaxLength(64) REDIS_KEY_PREFIX: string = 'farmlokal:';
  /** Comma-separated `host:port` Redis Sentinels; when set, the master is found through them. */
  @IsString() REDIS_SENTINELS: string = '';
  @EmptyAsUnset() @IsString() REDIS_SENTINEL_MASTER: string = 'mymaster';
  /** Comma-separated `host:port` seed nodes of a Redis Cluster; when set, Cluster mode. */
  @IsString() REDIS_CLUSTER_NODES: string = '';

  @EmptyAsUnset() @IsUrl(URL_OPTIONS) OAUTH_TOKEN_URL: string = SIMULATOR_URLS.OAUTH_TOKEN_URL;
  @EmptyAsUnset() @IsString() OAUTH_CLIENT_ID: string = 'farmlokal-dev';
  @IsString() OAUTH_CLIENT_SECRET: string = DEV_OAUTH_CLIENT_SECRET;
  @IsString() OAUTH_AUDIENCE: string = 'partner-api';
  @IsString() OAUTH_SCOPE: string = 'items:read webhooks:write';
  /** How the client authenticates at the token endpoint: HTTP Basic or the form body. */
  @EmptyAsUnset()
  @IsIn(OAUTH_CLIENT_AUTHS)
  OAUTH_CLIENT_AUTH: OAuthClientAuth = 'client_secret_basic';
  /** RFC 8707 resource indicator sent with the token request; empty = not sent. */
  @ValidateIf((env: Env) => env.OAUTH_RESOURCE !== '')
  @IsString()
  @Matches(ABSOLUTE_URI_WITHOUT_FRAGMENT)
  OAUTH_RESOURCE: string = '';

  @EmptyAsUnset() @IsUrl(URL_OPTIONS) PARTNER_API_URL: string = 'http://127.0.0.1:4010';
  @EmptyAsUnset()
  @IsUrl(URL_OPTIONS)
  @MaxLength(PUBLIC_BASE_URL_MAX_LENGTH)
  PUBLIC_BASE_URL: string = 'http://127.0.0.1:3000';
  @IsString() WEBHOOK_SECRET: string = '';

  @EmptyAsUnset()
  @IsUrl(URL_OPTIONS)
  AUTH_JWKS_URL: string = SIMULATOR_URLS.AUTH_JWKS_URL;
  @EmptyAsUnset() @IsString() AUTH_ISSUER: string = SIMULATOR_URLS.AUTH_ISSUER;
  @EmptyAsUnset() @IsString() AUTH_AUDIENCE: string = 'farmlokal-api';

  @EmptyAsUnset() @IsInt() @Min(1) @Max(86400) PRODUCTS_CACHE_TTL_S: number = 60;

  @EmptyAsUnset() @IsInt() @Min(1) @Max(120000) EXTERNAL_TIMEOUT_MS: number = 2000;
  @EmptyAsUnset() @IsInt() @Min(1) @Max(300000) EXTERNAL_DEADLINE_MS: number = 5000;
  @EmptyAsUnset() @IsInt() @Min(1) @Max(10) EXTERNAL_MAX_ATTEMPTS: number = 3;
  /** Partner items whose last good copy is kept (least recently fetched evicted first). */
  @EmptyAsUnset() @IsInt() @Min(1) @Max(1000000) PARTNER_ITEM_CACHE_MAX_ITEMS: number = 10000;

  @EmptyAsUnset() @IsInt() @Min(100) @Max(3600000) BREAKER_WINDOW_MS: number = 10000;
  @EmptyAsUnset() @IsInt() @Min(1) @Max(100000) BREAKER_MIN_CALLS: number = 10;
  @EmptyAsUnset() @IsNumber() @Min(0.01) @Max(1) BREAKER_FAILURE_RATIO: number = 0.5;
  @EmptyAsUnset() @IsInt() @Min(10) @Max(3600000) BREAKER_OPEN_MS: number = 10000;

  /** `false` turns rate limiting off entirely (benchmarks, or a gateway that limits). */
  @EmptyAsUnset()
  @Type(() => String)
  @Transform(toBoolean)
  @IsBoolean()
  RATE_LIMIT_ENABLED: boolean = true;
  @EmptyAsUnset() @IsInt() @Min(1) @Max(1000000) RATE_LIMIT_LIMIT: number = 100;
  @EmptyAsUnset() @IsInt() @Min(1) @Max(86400) RATE_LIMIT_WINDOW_S: number = 10;
  /** Route group `webhooks` (partner deliveries, one sender behind few addresses). */
  @EmptyAsUnset() @IsInt() @Min(1) @Max(1000000) RATE_LIMIT_WEBHOOKS_LIMIT: number = 1000;
  @EmptyAsUnset() @IsInt() @Min(1) @Max(86400) RATE_LIMIT_WEBHOOKS_WINDOW_S: number = 10;
  /** Comma-separated proxy addresses/CIDRs whose X-Forwarded-For is trusted; empty = none. */
  @IsString() TRUSTED_PROXIES: string = '';

  /** How long SIGTERM waits for in-flight requests before closing anyway. */
  @EmptyAsUnset() @IsInt() @Min(0) @Max(60000) SHUTDOWN_TIMEOUT_MS: number = 8000;

  /** Time a client has to send the request line and headers (slow-header clients). */
  @EmptyAsUnset() @IsInt() @Min(100) @Max(600000) HTTP_HEADERS_TIMEOUT_MS: number = 10000;
  /** Time a client has to send a whole request, body included (slow-body clients). */
  @EmptyAsUnset() @IsInt() @Min(100) @Max(600000) HTTP_REQUEST_TIMEOUT_MS: number = 30000;
  /** Idle time before a kept-alive connection is closed; above the load balancer's own. */
  @EmptyAsUnset() @IsInt() @Min(1000) @Max(3600000) HTTP_KEEP_ALIVE_TIMEOUT_MS: number = 65000;
  /** Open client connections at most; 0 = derived from the open-files limit. */
  @EmptyAsUnset() @IsInt() @Min(0) @Max(1000000) HTTP_MAX_CONNECTIONS: number = 0;

  /** Serves /docs and /docs-json; defaults to false under NODE_ENV=production. */
  @EmptyAsUnset()
  @Type(() => String)
  @Transform(toBoolean)
  @IsBoolean()
  DOCS_ENABLED: boolean = true;

  @EmptyAsUnset() @IsString() @MinLength(16) CURSOR_SIGNING_KEY: string = DEV_CURSOR_SIGNING_KEY;
}

const SECRET_VARIABLES: ReadonlySet<string> = new Set([
  'DB_PASSWORD',
  'OAUTH_CLIENT_SECRET',
  'WEBHOOK_SECRET',
  'CURSOR_SIGNING_KEY',
  'REDIS_URL',
]);

/** Raised when the environment is invalid; the message names variables, never values. */
export class EnvValidationError extends Error {
  override readonly name = 'EnvValidationError';
  constructor(readonly problems: readonly string[]) {
    super(`Invalid environment configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
  }
}

function describe(error: ValidationError): string {
  const rules = Object.keys(error.constraints ?? {});
  const hint = SECRET_VARIABLES.has(error.property)
    ? 'invalid value'
    : `invalid value (${rules.join(', ') || 'unknown rule'})`;
  return `${error.property}: ${hint}`;
}

/** Validates and converts the raw environment; throws EnvValidationError on any bad variable. */
export function validateEnv(raw: Record<string, unknown>): Env {
  const known = Object.keys(new Env());
  const picked = Object.fromEntries(
    known
      .filter((k) => k in raw && !(raw[k] === '' && EMPTY_AS_UNSET.has(k)))
      .map((k) => [k, raw[k]]),
  );
  const env = plainToInstance(Env, picked, {
    enableImplicitConversion: true,
    exposeDefaultValues: true,
  });
  const problems = validateSync(env, { skipMissingProperties: false }).map(describe);
  if (env.NODE_ENV === 'production') {
    problems.push(
      ...productionProblems(env, new Set(Object.keys(picked)), {
        cursorSigningKey: DEV_CURSOR_SIGNING_KEY,
        oauthClientSecret: DEV_OAUTH_CLIENT_SECRET,
        urls: SIMULATOR_URLS,
      }),
    );
    if (!('DOCS_ENABLED' in picked)) {
      env.DOCS_ENABLED = false;
    }
  }
  if (env.HTTP_HEADERS_TIMEOUT_MS > env.HTTP_REQUEST_TIMEOUT_MS) {
    problems.push('HTTP_HEADERS_TIMEOUT_MS: must not exceed HTTP_REQUEST_TIMEOUT_MS');
  }
  if (problems.length > 0) {
    throw new EnvValidationError(problems);
  }
  return env;
}

/** Reads `.env` (when present, never overriding the real environment) and validates. */
export function loadEnv(): Env {
  return validateEnv(process.env);
}

/** Loads a `.env` file from the working directory into process.env, if there is one. */
export function loadDotEnvFile(path = '.env'): void {
  try {
    process.loadEnvFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw error;
    }
  }
}
