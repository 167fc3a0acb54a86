import { DataSource } from 'typeorm';
import { createTestEnv, TestEnv } from '../../test/support/test-env';
import { ensureDatabase, runMigrationsLocked } from '../common/database/database-setup';
import { buildDataSourceOptions } from '../common/database/typeorm-options';
import { managerOf, Transaction, UnitOfWork } from '../common/database/unit-of-work';
import { databaseConfig } from '../config/configuration';
import { IdempotencyKeyInUseError, IdempotencyKeyMismatchError } from './idempotency.errors';
import { IdempotencyKeysRepository } from './idempotency-keys.repository';
import { IdempotentRequest, IdempotencyService, StoredResponse } from './idempotency.service';

/** Runs against the real database, in one of its own (dropped afterwards). */
describe(IdempotencyService.name, () => {
  let env: TestEnv;
  let dataSource: DataSource;
  let service: IdempotencyService;
  let rowsWritten: () => Promise<number>;

  const scope = { principal: 'alice', method: 'POST', route: '/things' };
  const render = (id: number): StoredResponse => ({
    status: 201,
    headers: { location: `/things/${id}` },
    body: JSON.stringify({ id }),
  });
  const request = (key: string | undefined, payload: unknown): IdempotentRequest<number> => ({
    scope,
    key,
    payload,
    render,
  });
  /** The write under test: a row in a table of its own, inside the given transaction. */
  const insertThing = async (tx: Transaction): Promise<number> => {
    const result = await managerOf(tx).query<{ insertId: number }>(
      'INSERT INTO spec_things () VALUES ()',
    );
    return Number(result.insertId);
  };

  beforeAll(async () => {
    env = createTestEnv();
    const config = databaseConfig();
    await ensureDatabase(config);
    dataSource = await new DataSource(buildDataSourceOptions(config)).initialize();
    await runMigrationsLocked(dataSource);
    await dataSource.query('CREATE TABLE spec_things (id INT AUTO_INCREMENT PRIMARY KEY)');
    service = new IdempotencyService(
      new IdempotencyKeysRepository(dataSource),
      new UnitOfWork(dataSource),
    );
    rowsWritten = async () => {
      const [row] = await dataSource.query<{ n: string }[]>(
        'SELECT COUNT(*) AS n FROM spec_things',
      );
      return Number(row.n);
    };
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await env.cleanup();
  });

  it('without a key, runs the write and renders its result', async () => {
    const before = await rowsWritten();
    const outcome = await service.execute(request(undefined, {}), insertThing);
    expect(outcome.replayed).toBe(false);
    expect(outcome.response.status).toBe(201);
    expect(await rowsWritten()).toBe(before + 1);
  });

  it('replays the first response for the same key and body, without writing again', async () => {
    const first = await service.execute(request('k-replay', { a: 1, b: [1] }), insertThing);
    const before = await rowsWritten();
    const again = await service.execute(request('k-replay', { b: [1], a: 1 }), insertThing);
    expect(again).toEqual({ replayed: true, response: first.response });
    expect(await rowsWritten()).toBe(before);
  });

  it('refuses the same key with another body (422)', async () => {
    await service.execute(request('k-mismatch', { a: 1 }), insertThing);
    await expect(
      service.execute(request('k-mismatch', { a: 2 }), insertThing),
    ).rejects.toBeInstanceOf(IdempotencyKeyMismatchError);
  });

  it('runs concurrent requests with one key exactly once', async () => {
    const before = await rowsWritten();
    const outcomes = await Promise.allSettled(
      Array.from({ length: 8 }, () => service.execute(request('k-race', { x: 1 }), insertThing)),
    );
    expect(await rowsWritten()).toBe(before + 1);
    const bodies = new Set<string>();
    for (const outcome of outcomes) {
      if (outcome.status === 'fulfilled') {
        bodies.add(outcome.value.response.body);
      } else {
        expect(outcome.reason).toBeInstanceOf(IdempotencyKeyInUseError);
      }
    }
    expect(bodies.size).toBe(1);
  });

  it('rolls the write back and frees the key when the request fails', async () => {
    const before = await rowsWritten();
    const failing = (tx: Transaction) =>
      insertThing(tx).then(() => Promise.reject(new Error('boom')));
    await expect(service.execute(request('k-fail', { y: 1 }), failing)).rejects.toThrow('boom');
    expect(await rowsWritten()).toBe(before);
    const retried = await service.execute(request('k-fail', { y: 1 }), insertThing);
    expect(retried.replayed).toBe(false);
    expect(await rowsWritten()).toBe(before + 1);
  });

  it('takes over a key whose holder’s lease ran out, and answers 409 while it runs', async () => {
    let release!: () => void;
    const held = new Promise<void>((resolve) => (release = resolve));
    const slow = service.execute(request('k-lease', { z: 1 }), async (tx) => {
      await held;
      return insertThing(tx);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    await expect(service.execute(request('k-lease', { z: 1 }), insertThing)).rejects.toBeInstanceOf(
      IdempotencyKeyInUseError,
    );
    release();
    const first = await slow;

    await dataSource.query(
      `INSERT INTO idempotency_keys (scope_hash, idempotency_key, principal, method, route,
         fingerprint, status, lock_token, locked_until, expires_at)
       SELECT scope_hash, 'k-crashed', principal, method, route, fingerprint, 'in_progress',
         'dead0000dead0000dead0000dead0000', NOW(3) - INTERVAL 1 SECOND, expires_at
         FROM idempotency_keys WHERE idempotency_key = 'k-lease'`,
    );
    const taken = await service.execute(request('k-crashed', { z: 1 }), insertThing);
    expect(taken.replayed).toBe(false);
    expect(taken.response.body).not.toBe(first.response.body);
  });
});
