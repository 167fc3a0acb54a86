import { Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { Cluster, RedisOptions } from 'ioredis';
import { redisConfig, RedisConfig } from '../../config/configuration';
import { REDIS_CLIENT } from './redis.constants';

/** Injects the shared ioredis client. */
export const InjectRedis = (): ParameterDecorator => Inject(REDIS_CLIENT);

const ERROR_LOG_INTERVAL_MS = 10_000;

/**
 * Creates an ioredis client for the service: every key gets REDIS_KEY_PREFIX, commands
 * fail within a second instead of queueing forever while Redis is away, and connection
 * errors are logged at most every 10 s instead of once per reconnect attempt.
 */
export function createRedisClient(config: RedisConfig, logger = new Logger('Redis')): Redis {
  const options: RedisOptions = {
    keyPrefix: config.keyPrefix,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: 1_000,
    enableReadyCheck: true,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
  };
  const client =
    config.clusterNodes.length > 0
      ? createClusterClient(config, options)
      : config.sentinels.length > 0
        ? new Redis({ ...sentinelOptions(config), ...options })
        : new Redis(config.url, options);
  let lastLogged = 0;
  client.on('error', (error: Error) => {
    const now = Date.now();
    if (now - lastLogged > ERROR_LOG_INTERVAL_MS) {
      lastLogged = now;
      logger.warn(`Redis connection error: ${error.message}`);
    }
  });
  return client;
}

/**
 * With REDIS_CLUSTER_NODES the client is an ioredis Cluster (slots discovered from the
 * given nodes; REDIS_URL supplies the password). It is handed out as `Redis`: the commands
 * the service uses (single-key commands, and scripts whose keys share a hash tag) behave
 * the same on both, and Cluster has the same `status`, `defineCommand` and `quit`.
 */
function createClusterClient(config: RedisConfig, options: RedisOptions): Redis {
  const { keyPrefix, maxRetriesPerRequest, ...nodeOptions } = options;
  const cluster = new Cluster(config.clusterNodes, {
    keyPrefix,
    maxRedirections: 16,
    enableReadyCheck: true,
    clusterRetryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    redisOptions: { ...nodeOptions, maxRetriesPerRequest, ...credentials(config.url) },
  });
  return cluster as unknown as Redis;
}

function credentials(redisUrl: string): Pick<RedisOptions, 'username' | 'password'> {
  const url = new URL(redisUrl);
  return {
    password: url.password ? decodeURIComponent(url.password) : undefined,
    username: url.username ? decodeURIComponent(url.username) : undefined,
  };
}

/**
 * With REDIS_SENTINELS the master is discovered through Sentinel (and followed across
 * failovers); REDIS_URL still supplies the password and database number.
 */
function sentinelOptions(config: RedisConfig): RedisOptions {
  const url = new URL(config.url);
  const db = Number(url.pathname.replace('/', '') || 0);
  return {
    sentinels: config.sentinels,
    name: config.sentinelMaster,
    ...credentials(config.url),
    db: Number.isInteger(db) ? db : 0,
  };
}

@Injectable()
class RedisShutdown implements OnApplicationShutdown {
  constructor(@Inject(REDIS_CLIENT) private readonly redis: Redis) {}

  async onApplicationShutdown(): Promise<void> {
    // quit() on a client that is not connected leaves its reconnect timer running.
    if (this.redis.status !== 'ready') {
      this.redis.disconnect();
      return;
    }
    await this.redis.quit().catch(() => this.redis.disconnect());
  }
}

/**
 * The one Redis connection of the process: every module that uses Redis imports this
 * module, and all of them get the same client (the module is a singleton).
 */
@Module({
  providers: [
    {
      provide: REDIS_CLIENT,
      inject: [redisConfig.KEY],
      useFactory: (config: RedisConfig) => createRedisClient(config),
    },
    RedisShutdown,
  ],
  exports: [REDIS_CLIENT],
})
export class RedisModule {}
