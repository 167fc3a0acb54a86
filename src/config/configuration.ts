import { ConfigType, registerAs } from '@nestjs/config';
import { loadEnv } from './env.validation';

const csv = (value: string): string[] =>
  value
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);

/** `host[:port],…` → [{ host, port }], with `defaultPort` where none is given. */
const hostPorts = (value: string, defaultPort: number): { host: string; port: number }[] =>
  csv(value).map((entry) => {
    const [host, port] = entry.split(':');
    return { host, port: port ? Number(port) : defaultPort };
  });

export const appConfig = registerAs('app', () => {
  const env = loadEnv();
  return {
    nodeEnv: env.NODE_ENV,
    port: env.PORT,
    host: env.HOST,
    logLevel: env.LOG_LEVEL,
    publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    shutdownTimeoutMs: env.SHUTDOWN_TIMEOUT_MS,
    trustedProxies: csv(env.TRUSTED_PROXIES),
    docsEnabled: env.DOCS_ENABLED,
    http: {
      headersTimeoutMs: env.HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: env.HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: env.HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: env.HTTP_MAX_CONNECTIONS,
    },
  };
});
export type AppConfig = ConfigType<typeof appConfig>;

export const databaseConfig = registerAs('database', () => {
  const env = loadEnv();
  return {
    type: env.DB_TYPE,
    host: env.DB_HOST,
    port: env.DB_PORT,
    username: env.DB_USER,
    password: env.DB_PASSWORD,
    database: env.DB_NAME,
    poolSize: env.DB_POOL_SIZE,
    migrateOnStart: env.DB_MIGRATE_ON_START,
    readHosts: hostPorts(env.DB_READ_HOSTS, env.DB_PORT),
    connectTimeoutMs: env.DB_CONNECT_TIMEOUT_MS,
    acquireTimeoutMs: env.DB_ACQUIRE_TIMEOUT_MS,
    queryTimeoutMs: env.DB_QUERY_TIMEOUT_MS,
  };
});
export type DatabaseConfig = ConfigType<typeof databaseConfig>;

export const redisConfig = registerAs('redis', () => {
  const env = loadEnv();
  return {
    url: env.REDIS_URL,
    keyPrefix: env.REDIS_KEY_PREFIX,
    sentinels: hostPorts(env.REDIS_SENTINELS, 26379),
    sentinelMaster: env.REDIS_SENTINEL_MASTER,
    clusterNodes: hostPorts(env.REDIS_CLUSTER_NODES, 6379),
  };
});
export type RedisConfig = ConfigType<typeof redisConfig>;

export const authConfig = registerAs('auth', () => {
  const env = loadEnv();
  return {
    oauth: {
      tokenUrl: env.OAUTH_TOKEN_URL,
      clientId: env.OAUTH_CLIENT_ID,
      clientSecret: env.OAUTH_CLIENT_SECRET,
      audience: env.OAUTH_AUDIENCE,
      scope: env.OAUTH_SCOPE,
      clientAuth: env.OAUTH_CLIENT_AUTH,
      resource: env.OAUTH_RESOURCE,
    },
    jwt: { jwksUrl: env.AUTH_JWKS_URL, issuer: env.AUTH_ISSUER, audience: env.AUTH_AUDIENCE },
  };
});
export type AuthConfig = ConfigType<typeof authConfig>;

export const externalConfig = registerAs('external', () => {
  const env = loadEnv();
  return {
    partnerApiUrl: env.PARTNER_API_URL.replace(/\/+$/, ''),
    publicBaseUrl: env.PUBLIC_BASE_URL.replace(/\/+$/, ''),
    timeoutMs: env.EXTERNAL_TIMEOUT_MS,
    deadlineMs: env.EXTERNAL_DEADLINE_MS,
    maxAttempts: env.EXTERNAL_MAX_ATTEMPTS,
    itemCopiesMax: env.PARTNER_ITEM_CACHE_MAX_ITEMS,
    breaker: {
      windowMs: env.BREAKER_WINDOW_MS,
      minCalls: env.BREAKER_MIN_CALLS,
      failureRatio: env.BREAKER_FAILURE_RATIO,
      openMs: env.BREAKER_OPEN_MS,
    },
  };
});
export type ExternalConfig = ConfigType<typeof externalConfig>;

export const webhooksConfig = registerAs('webhooks', () => {
  const env = loadEnv();
  return { secret: env.WEBHOOK_SECRET };
});
export type WebhooksConfig = ConfigType<typeof webhooksConfig>;

export const productsConfig = registerAs('products', () => {
  const env = loadEnv();
  return { cacheTtlS: env.PRODUCTS_CACHE_TTL_S, cursorSigningKey: env.CURSOR_SIGNING_KEY };
});
export type ProductsConfig = ConfigType<typeof productsConfig>;

export const rateLimitConfig = registerAs('rateLimit', () => {
  const env = loadEnv();
  return {
    enabled: env.RATE_LIMIT_ENABLED,
    limit: env.RATE_LIMIT_LIMIT,
    windowS: env.RATE_LIMIT_WINDOW_S,
    /** Per route group (`@RateLimitGroup(name)`); routes without a group use `default`. */
    groups: {
      default: { limit: env.RATE_LIMIT_LIMIT, windowS: env.RATE_LIMIT_WINDOW_S },
      webhooks: { limit: env.RATE_LIMIT_WEBHOOKS_LIMIT, windowS: env.RATE_LIMIT_WEBHOOKS_WINDOW_S },
    },
  };
});
export type RateLimitConfig = ConfigType<typeof rateLimitConfig>;

export const ALL_CONFIGS = [
  appConfig,
  databaseConfig,
  redisConfig,
  authConfig,
  externalConfig,
  webhooksConfig,
  productsConfig,
  rateLimitConfig,
];
