import { createConnection } from 'mysql2/promise';
import { DataSource } from 'typeorm';
import { managerOf, UnitOfWork } from '../src/common/database/unit-of-work';
import { createTestEnv, TestEnv } from './support/test-env';

/**
 * Two transactions that lock the same two rows in opposite order deadlock; InnoDB rolls
 * one back. The unit of work runs the victim again, so both commit.
 */
describe('UnitOfWork on the real database', () => {
  let env: TestEnv;
  let dataSource: DataSource;

  beforeAll(async () => {
    env = createTestEnv();
    const admin = await createConnection({
      host: env.vars.DB_HOST,
      port: Number(env.vars.DB_PORT),
      user: env.vars.DB_USER,
      password: env.vars.DB_PASSWORD,
    });
    await admin.query(`CREATE DATABASE \`${env.dbName}\``);
    await admin.query(
      `CREATE TABLE \`${env.dbName}\`.counters (id INT PRIMARY KEY, n INT NOT NULL) ENGINE=InnoDB`,
    );
    await admin.query(`INSERT INTO \`${env.dbName}\`.counters VALUES (1, 0), (2, 0)`);
    await admin.end();
    dataSource = new DataSource({
      type: 'mariadb',
      host: env.vars.DB_HOST,
      port: Number(env.vars.DB_PORT),
      username: env.vars.DB_USER,
      password: env.vars.DB_PASSWORD,
      database: env.dbName,
      poolSize: 4,
    });
    await dataSource.initialize();
  });

  afterAll(async () => {
    await dataSource?.destroy();
    await env?.cleanup();
  });

  it('runs a deadlock victim again, so both transactions commit', async () => {
    const unitOfWork = new UnitOfWork(dataSource);
    let firstLocks = 0;
    let bothHoldOne!: () => void;
    const barrier = new Promise<void>((resolve) => (bothHoldOne = resolve));
    const bump = (first: number, second: number) =>
      unitOfWork.run(async (tx) => {
        const manager = managerOf(tx);
        await manager.query('UPDATE counters SET n = n + 1 WHERE id = ?', [first]);
        firstLocks += 1;
        if (firstLocks === 2) {
          bothHoldOne();
        }
        await barrier;
        await manager.query('UPDATE counters SET n = n + 1 WHERE id = ?', [second]);
      });

    const results = await Promise.allSettled([bump(1, 2), bump(2, 1)]);

    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled']);
    expect(firstLocks).toBeGreaterThan(2);
    const rows = await dataSource.query<{ id: number; n: number }[]>(
      'SELECT id, n FROM counters ORDER BY id',
    );
    expect(rows.map((r) => Number(r.n))).toEqual([2, 2]);
  });
});
