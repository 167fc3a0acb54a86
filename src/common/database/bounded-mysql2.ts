import * as mysql2 from 'mysql2';

/**
 * Bounds on every wait for the database, so that no request waits on a dead or frozen
 * server longer than it takes to say so (a 503). Mutable: `queryTimeoutMs` is 0 while
 * migrations run (DDL may take long), and set once the service starts serving.
 */
export interface DatabaseBounds {
  /** Longest wait for a pooled connection, connecting to the server included (0: none). */
  acquireTimeoutMs: number;
  /** Longest wait for a query's answer (0: none); the connection is discarded then. */
  queryTimeoutMs: number;
}

/** What the bounded driver reports (for metrics); `reason` is an error code. */
export type DatabaseEventListener = (event: 'available' | 'unavailable', reason?: string) => void;

type Callback = (error: Error | null, connection?: PooledConnection) => void;
type GetConnection = (this: unknown, ...args: unknown[]) => void;
type QueryCallback = (error: (Error & { code?: string }) | null, ...rest: unknown[]) => void;

interface PooledConnection {
  query: (...args: unknown[]) => unknown;
  execute?: (...args: unknown[]) => unknown;
  release(): void;
  destroy(): void;
  [BOUNDED]?: true;
}

const BOUNDED = Symbol('bounded');
const BOUNDS = new WeakMap<object, DatabaseBounds>();

/** The bounds a driver from `boundedMysql2` applies (to change them later), if any. */
export function databaseBoundsOf(driver: unknown): DatabaseBounds | undefined {
  return typeof driver === 'object' && driver !== null ? BOUNDS.get(driver) : undefined;
}
const QUERY_TIMEOUT_CODE = 'PROTOCOL_SEQUENCE_TIMEOUT';

/**
 * mysql2 as TypeORM's driver module (`driver` option), with the two bounds mysql2 lacks:
 *
 * - **Pool acquisition.** mysql2 queues `getConnection` callers without limit while every
 *   connection is busy (e.g. stuck on a frozen server); here a caller gets a
 *   `DB_ACQUIRE_TIMEOUT` error after `acquireTimeoutMs`, and a connection that arrives
 *   later goes straight back to the pool. Connecting is bounded by mysql2's own
 *   `connectTimeout`.
 * - **Queries.** Every query with a callback gets mysql2's `timeout`; when it fires, the
 *   connection is destroyed. (mysql2 leaves a timed-out query at the head of the
 *   connection's command queue: the next query on that connection would wait for it,
 *   without a timer of its own, for as long as the server stays silent.)
 * - **Prepared statements.** `execute` prepares the statement on first use, and mysql2's
 *   PREPARE has no timeout: the whole call (prepare and execute) gets a timer of its own;
 *   when it fires, the connection is destroyed and the caller gets the same timeout error.
 *
 * Everything else is mysql2 unchanged.
 */
export function boundedMysql2(
  bounds: DatabaseBounds,
  listener: DatabaseEventListener = () => undefined,
  base: typeof mysql2 = mysql2,
): typeof mysql2 {
  const bindPool = <T>(pool: T): T => {
    const target = pool as unknown as { getConnection: GetConnection };
    target.getConnection = boundAcquire(target.getConnection, bounds, listener);
    return pool;
  };
  const driver: typeof mysql2 = {
    ...base,
    createPool: ((config: mysql2.PoolOptions) =>
      bindPool(base.createPool(config))) as typeof mysql2.createPool,
    createPoolCluster: (config?: mysql2.PoolClusterOptions) =>
      bindPool(base.createPoolCluster(config)),
  };
  BOUNDS.set(driver, bounds);
  return driver;
}

function boundAcquire(
  getConnection: GetConnection,
  bounds: DatabaseBounds,
  listener: DatabaseEventListener,
): GetConnection {
  return function (this: unknown, ...args: unknown[]): void {
    const callback = args.pop() as Callback;
    let settled = false;
    const timer =
      bounds.acquireTimeoutMs > 0
        ? setTimeout(() => {
            settled = true;
            listener('unavailable', 'DB_ACQUIRE_TIMEOUT');
            callback(acquireTimeout(bounds.acquireTimeoutMs));
          }, bounds.acquireTimeoutMs)
        : null;
    getConnection.call(this, ...args, (error: Error | null, connection?: PooledConnection) => {
      if (settled) {
        connection?.release();
        return;
      }
      settled = true;
      if (timer !== null) {
        clearTimeout(timer);
      }
      if (error) {
        listener('unavailable', (error as { code?: string }).code ?? 'connect_failed');
        callback(error);
        return;
      }
      listener('available');
      callback(null, connection && boundQueries(connection, bounds, listener));
    });
  };
}

function boundQueries(
  connection: PooledConnection,
  bounds: DatabaseBounds,
  listener: DatabaseEventListener,
): PooledConnection {
  if (connection[BOUNDED]) {
    return connection;
  }
  connection[BOUNDED] = true;
  const query = connection.query;
  connection.query = function (this: PooledConnection, ...args: unknown[]): unknown {
    const callbackAt = args.findIndex((arg) => typeof arg === 'function');
    const timeoutMs = bounds.queryTimeoutMs;
    if (callbackAt < 1 || timeoutMs <= 0) {
      return query.apply(this, args);
    }
    const [sql, ...rest] = args;
    const callback = rest[callbackAt - 1] as QueryCallback;
    rest[callbackAt - 1] = (error: (Error & { code?: string }) | null, ...results: unknown[]) => {
      if (error?.code === QUERY_TIMEOUT_CODE) {
        listener('unavailable', QUERY_TIMEOUT_CODE);
        this.destroy();
      }
      callback(error, ...results);
    };
    const options =
      typeof sql === 'string'
        ? { sql, timeout: timeoutMs }
        : { ...(sql as object), timeout: (sql as { timeout?: number }).timeout ?? timeoutMs };
    return query.call(this, options, ...rest);
  };
  const execute = connection.execute;
  if (execute) {
    connection.execute = function (this: PooledConnection, ...args: unknown[]): unknown {
      const callbackAt = args.findIndex((arg) => typeof arg === 'function');
      const timeoutMs = bounds.queryTimeoutMs;
      if (callbackAt < 1 || timeoutMs <= 0) {
        return execute.apply(this, args);
      }
      const callback = args[callbackAt] as QueryCallback;
      let settled = false;
      const timer = setTimeout(() => {
        settled = true;
        listener('unavailable', QUERY_TIMEOUT_CODE);
        this.destroy();
        callback(statementTimeout(timeoutMs));
      }, timeoutMs);
      args[callbackAt] = (error: (Error & { code?: string }) | null, ...results: unknown[]) => {
        if (settled) {
          return;
        }
        settled = true;
        clearTimeout(timer);
        callback(error, ...results);
      };
      return execute.apply(this, args);
    };
  }
  return connection;
}

function statementTimeout(ms: number): Error {
  const error = new Error(`The database did not answer a prepared statement within ${ms} ms`);
  (error as Error & { code: string }).code = QUERY_TIMEOUT_CODE;
  return error;
}

function acquireTimeout(ms: number): Error {
  const error = new Error(`No database connection became available within ${ms} ms`);
  (error as Error & { code: string }).code = 'DB_ACQUIRE_TIMEOUT';
  return error;
}
