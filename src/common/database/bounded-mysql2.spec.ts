import * as mysql2 from 'mysql2';
import { EventEmitter } from 'node:events';
import { boundedMysql2, databaseBoundsOf } from './bounded-mysql2';

type Callback = (error: Error | null, connection?: unknown) => void;

/** A pool whose getConnection answers only when the test says so. */
function fakePool(): { pool: { getConnection: (cb: Callback) => void }; pending: Callback[] } {
  const pending: Callback[] = [];
  return { pool: { getConnection: (cb: Callback) => pending.push(cb) }, pending };
}

/** A connection whose query hands `answer` the options and the callback (the last argument). */
function fakeConnection(answer: (options: unknown, cb: Callback) => void) {
  return Object.assign(new EventEmitter(), {
    query: jest.fn((options: unknown, ...rest: unknown[]) =>
      answer(options, rest[rest.length - 1] as Callback),
    ),
    release: jest.fn(),
    destroy: jest.fn(),
  });
}

describe('boundedMysql2', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  function bind(bounds = { acquireTimeoutMs: 1_000, queryTimeoutMs: 500 }) {
    const events: string[] = [];
    const { pool, pending } = fakePool();
    const base = { ...mysql2, createPool: () => pool } as unknown as typeof mysql2;
    const driver = boundedMysql2(
      bounds,
      (event, reason) => events.push(`${event}:${reason}`),
      base,
    );
    const bound = driver.createPool({}) as unknown as typeof pool;
    return { driver, bound, pending, events };
  }

  it('fails a wait for a pooled connection after acquireTimeoutMs and returns a late one', () => {
    const { bound, pending, events } = bind();
    const callback = jest.fn();
    bound.getConnection(callback);
    jest.advanceTimersByTime(999);
    expect(callback).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(callback).toHaveBeenCalledWith(expect.objectContaining({ code: 'DB_ACQUIRE_TIMEOUT' }));
    const late = fakeConnection(() => undefined);
    pending[0](null, late);
    expect(late.release).toHaveBeenCalled();
    expect(callback).toHaveBeenCalledTimes(1);
    expect(events).toEqual(['unavailable:DB_ACQUIRE_TIMEOUT']);
  });

  it('gives every query a timeout and destroys a connection whose query timed out', () => {
    const { bound, pending } = bind();
    let sent: unknown;
    const connection = fakeConnection((options, cb) => {
      sent = options;
      cb(
        Object.assign(new Error('Query inactivity timeout'), { code: 'PROTOCOL_SEQUENCE_TIMEOUT' }),
      );
    });
    const acquired = jest.fn();
    bound.getConnection(acquired);
    pending[0](null, connection);
    const handed = acquired.mock.calls[0][1] as { query: (...args: unknown[]) => void };
    const done = jest.fn();
    handed.query('SELECT 1', [], done);
    expect(sent).toEqual({ sql: 'SELECT 1', timeout: 500 });
    expect(connection.destroy).toHaveBeenCalled();
    expect(done).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' }),
    );
  });

  it('applies no query bound while queryTimeoutMs is 0 (migrations), and one once it is set', () => {
    const { driver, bound, pending } = bind({ acquireTimeoutMs: 1_000, queryTimeoutMs: 0 });
    const seen: unknown[] = [];
    const connection = fakeConnection((options, cb) => {
      seen.push(options);
      cb(null, []);
    });
    const acquired = jest.fn();
    bound.getConnection(acquired);
    pending[0](null, connection);
    const handed = acquired.mock.calls[0][1] as { query: (...args: unknown[]) => void };
    handed.query({ sql: 'ALTER TABLE t' }, jest.fn());
    databaseBoundsOf(driver)!.queryTimeoutMs = 750;
    handed.query({ sql: 'SELECT 1', values: [] }, jest.fn());
    expect(seen).toEqual([{ sql: 'ALTER TABLE t' }, { sql: 'SELECT 1', values: [], timeout: 750 }]);
  });

  it('bounds a prepared statement (prepare and execute) and ignores its late answer', () => {
    const { bound, pending, events } = bind();
    let answer: Callback | undefined;
    const connection = Object.assign(
      fakeConnection(() => undefined),
      {
        execute: jest.fn((_options: unknown, ...rest: unknown[]) => {
          answer = rest[rest.length - 1] as Callback;
        }),
      },
    );
    const acquired = jest.fn();
    bound.getConnection(acquired);
    pending[0](null, connection);
    const handed = acquired.mock.calls[0][1] as { execute: (...args: unknown[]) => void };
    const done = jest.fn();
    handed.execute({ sql: 'SELECT ?', values: [1] }, done);
    jest.advanceTimersByTime(499);
    expect(done).not.toHaveBeenCalled();
    jest.advanceTimersByTime(1);
    expect(done).toHaveBeenCalledWith(
      expect.objectContaining({ code: 'PROTOCOL_SEQUENCE_TIMEOUT' }),
    );
    expect(connection.destroy).toHaveBeenCalled();
    expect(events).toContain('unavailable:PROTOCOL_SEQUENCE_TIMEOUT');
    answer!(null, [[{ one: 1 }]]);
    expect(done).toHaveBeenCalledTimes(1);

    const quick = jest.fn();
    handed.execute({ sql: 'SELECT ?', values: [2] }, quick);
    answer!(null, [{ two: 2 }]);
    jest.advanceTimersByTime(1_000);
    expect(quick).toHaveBeenCalledTimes(1);
    expect(quick).toHaveBeenCalledWith(null, [{ two: 2 }]);
  });
});
