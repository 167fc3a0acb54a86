import { DataSource } from 'typeorm';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

describe('Database schema', () => {
  let env: TestEnv;
  let test: TestApp;

  beforeAll(async () => {
    env = createTestEnv();
    test = await createTestApp();
  });

  afterAll(async () => {
    await test?.close();
    await env.cleanup();
  });

  it('is exactly what the entities describe once the migrations have run', async () => {
    const pending = await test.app.get(DataSource).driver.createSchemaBuilder().log();
    expect(pending.upQueries.map((query) => query.query)).toEqual([]);
  });
});
