/**
 * Errors that mean "the database cannot be reached right now" rather than "this request is
 * wrong": refused or lost connections, connect, pool-acquire and query timeouts, a server
 * shutting down or out of connections. They are answered with a 503 problem and
 * `Retry-After`, never a 500.
 */
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_SERVER_SHUTDOWN',
  'ER_CON_COUNT_ERROR',
  'ER_TOO_MANY_USER_CONNECTIONS',
  'ER_STATEMENT_TIMEOUT',
  'DB_ACQUIRE_TIMEOUT',
]);
const UNAVAILABLE_MESSAGES = [
  "Can't add new command when connection is in closed state",
  'Pool is closed',
  'Connection lost',
];

/** Seconds a client is asked to wait (Retry-After) when the database is unavailable. */
export const DATABASE_RETRY_AFTER_S = 5;
/**
 * Seconds a client is asked to wait when its transaction kept losing to concurrent ones
 * (deadlock victim on every run, or a row lock not granted in time): the database is up,
 * the contention passes within moments.
 */
export const DATABASE_BUSY_RETRY_AFTER_S = 1;

interface DriverErrorLike {
  code?: unknown;
  fatal?: unknown;
  message?: unknown;
  driverError?: unknown;
  cause?: unknown;
}

/**
 * True when `test` holds for the error or for one it wraps: a TypeORM `QueryFailedError`'s
 * `driverError`, or an error's `cause` (a few levels deep).
 */
function someInChain(
  error: unknown,
  test: (candidate: DriverErrorLike) => boolean,
  depth = 0,
): boolean {
  if (typeof error !== 'object' || error === null || depth > 3) {
    return false;
  }
  const candidate = error as DriverErrorLike;
  return (
    test(candidate) ||
    someInChain(candidate.driverError, test, depth + 1) ||
    someInChain(candidate.cause, test, depth + 1)
  );
}

/**
 * True for an error (or a TypeORM `QueryFailedError` wrapping one, or an error caused by
 * one) that says the database is unreachable. A fatal mysql2 error is a broken
 * connection by definition.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  return someInChain(
    error,
    ({ code, fatal, message }) =>
      (typeof code === 'string' && UNAVAILABLE_CODES.has(code)) ||
      fatal === true ||
      (typeof message === 'string' &&
        UNAVAILABLE_MESSAGES.some((text) => message.startsWith(text))),
  );
}

/** The code of a database-unavailable error, for logs and metrics (`unknown` if none). */
export function unavailableReason(error: unknown): string {
  const candidate = error as DriverErrorLike | null;
  const code = candidate?.code ?? (candidate?.driverError as DriverErrorLike | undefined)?.code;
  return typeof code === 'string' ? code : 'connection_closed';
}

/**
 * True for InnoDB's deadlock error (or a TypeORM error wrapping it): the server chose this
 * transaction as the victim and rolled it back whole, so running it again is safe.
 */
export function isDeadlock(error: unknown): boolean {
  return someInChain(error, ({ code }) => code === 'ER_LOCK_DEADLOCK');
}

/**
 * True for contention the server resolved by failing this statement (a deadlock victim,
 * a row lock wait that timed out): nothing was written, the database is reachable, and the
 * same request succeeds once the contention has passed.
 */
export function isDatabaseBusy(error: unknown): boolean {
  return someInChain(
    error,
    ({ code }) => code === 'ER_LOCK_DEADLOCK' || code === 'ER_LOCK_WAIT_TIMEOUT',
  );
}
