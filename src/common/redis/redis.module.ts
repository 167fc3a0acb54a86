import { Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis, { Cluster, Command, RedisOptions } from 'ioredis';
import { redisConfig, RedisConfig } from '../../config/configuration';
import { REDIS_CLIENT } from './redis.constants';

/** Injects the shared ioredis client. */
export const InjectRedis = (): ParameterDecorator => Inject(REDIS_CLIENT);

const ERROR_LOG_INTERVAL_MS = 10_000;
const COMMAND_TIMEOUT_MS = 1_000;
const TIMED_OUT = 'Command timed out';

/**
 * A client that treats a command timeout on an open connection as a dead server (frozen,
 * or a network that drops packets): the connection is dropped and re-established, so the
 * client is no longer `ready` and callers stop waiting on it at once, instead of each
 * command waiting out its own timeout.
 */
class ServiceRedis extends Redis {
  onStall?: () => void;

  override sendCommand(command: Command, stream?: Parameters<Redis['sendCommand']>[1]): unknown {
    const result = super.sendCommand(command, stream);
    command.promise.catch((error: Error) => {
      if (error.message === TIMED_OUT && this.status === 'ready') {
        this.onStall?.();
        this.disconnect(true);
      }
    });
    return result;
  }
}

export interface RedisClientOptions {
  /**
   * Queue commands while disconnected (until their timeout) instead of failing them at
   * once. Only the pub/sub subscriber wants this: its SUBSCRIBE must survive start-up.
   */
  readonly offlineQueue?: boolean;
}

/**
 * Creates an ioredis client for the service: every key gets REDIS_KEY_PREFIX; while Redis
 * is away (down, restarting, or frozen: detected by a command timeout) commands fail at
 * once instead of queueing, so nothing waits on it for more than one command timeout;
 * connection errors are logged at most every 10 s instead of once per reconnect attempt.
 */
export function createRedisClient(
  config: RedisConfig,
  logger = new Logger('Redis'),
  { offlineQueue = false }: RedisClientOptions = {},
): Redis {
  const options: RedisOptions = {
    keyPrefix: config.keyPrefix,
    maxRetriesPerRequest: 1,
    connectTimeout: 2_000,
    commandTimeout: COMMAND_TIMEOUT_MS,
    enableReadyCheck: true,
    enableOfflineQueue: offlineQueue,
    retryStrategy: (attempt) => Math.min(attempt * 200, 2_000),
    lazyConnect: false,
  };
  let lastStall = 0;
  const onStall = (): void => {
    if (Date.now() - lastStall > ERROR_LOG_INTERVAL_MS) {
      lastStall = Date.now();
      logger.warn(`Redis did not answer within ${COMMAND_TIMEOUT_MS} ms; reconnecting`);
    }
  };
  const client =
    config.clusterNodes.length > 0
      ? createClusterClient(config, { ...options, enableOfflineQueue: true })
      : config.sentinels.length > 0
        ? new ServiceRedis({ ...sentinelOptions(config), ...options })
        : new ServiceRedis(config.url, options);
  if (client instanceof ServiceRedis) {
    client.onStall = onStall;
  }
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
