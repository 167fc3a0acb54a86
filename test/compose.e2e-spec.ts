import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { PartnerSim, startPartnerSim } from './partner-sim';
import { createTestApp, TestApp } from './support/create-test-app';
import { createTestEnv, TestEnv } from './support/test-env';

/**
 * docker-compose.yml, read as Docker Compose reads it (no Docker here), and the one-off
 * `subscribe` step it runs, run for real against the service and the partner simulator.
 */
const ROOT = join(__dirname, '..');

/* eslint-disable @typescript-eslint/no-explicit-any -- Compose services are untyped YAML */
type Service = Record<string, any>;

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};
const packageJson = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  scripts: Record<string, string>;
};

/** `KEY: value` or `KEY=value` environment entries of a service, as a record. */
function environmentOf(service: Service): Record<string, string> {
  const env = service.environment as Record<string, string> | string[] | undefined;
  if (Array.isArray(env)) {
    return Object.fromEntries(
      env.map((entry): [string, string] => {
        const eq = entry.indexOf('=');
        return [entry.slice(0, eq), entry.slice(eq + 1)];
      }),
    );
  }
  return { ...(env ?? {}) };
}

/** The FROM … AS <stage> block of the Dockerfile. */
function dockerStage(name: string): string {
  const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
  const start = dockerfile.search(new RegExp(`^FROM .* AS ${name}$`, 'm'));
  expect(start).toBeGreaterThanOrEqual(0);
  const rest = dockerfile.slice(start + 1);
  const next = rest.search(/^FROM /m);
  return next < 0 ? rest : rest.slice(0, next);
}

describe('docker-compose.yml', () => {
  const { services } = compose;

  it('does not publish MySQL or Redis on the host (a local server may hold 3306/6379)', () => {
    expect(services.mysql.ports ?? []).toEqual([]);
    expect(services.redis.ports ?? []).toEqual([]);
    const published = Object.values(services).flatMap((s) => (s.ports ?? []) as string[]);
    expect(published.filter((p) => /(^|:)(3306|6379)(:|$)/.test(String(p)))).toEqual([]);
  });

  it('switches local_infile on for MySQL, so the seeder loads with LOAD DATA LOCAL INFILE', () => {
    expect(services.mysql.command).toContain('--local-infile=1');
  });

  it('subscribes the API to the simulator webhooks once the API is healthy', () => {
    const subscribe = Object.values(services).find((s) =>
      JSON.stringify(s.command ?? '').includes('webhooks:subscribe'),
    );
    expect(subscribe).toBeDefined();
    expect(packageJson.scripts['webhooks:subscribe']).toContain('scripts/subscribe-webhooks.ts');
    expect(subscribe!.depends_on).toMatchObject({ api: { condition: 'service_healthy' } });
    // Its image has the script and the simulator's tooling.
    expect(subscribe!.build).toEqual(services['partner-sim'].build);
    expect(dockerStage(subscribe!.build.target as string)).toMatch(/^COPY scripts /m);

    const env = environmentOf(subscribe!);
    const apiEnv = environmentOf(services.api);
    expect(env.SERVICE_URL).toBe(apiEnv.PUBLIC_BASE_URL);
    expect(env.PARTNER_SIM_URL).toBe(apiEnv.PARTNER_API_URL);
    expect(env.AUTH_ISSUER).toBe(apiEnv.AUTH_ISSUER);
    expect(env.AUTH_AUDIENCE ?? 'farmlokal-api').toBe(apiEnv.AUTH_AUDIENCE ?? 'farmlokal-api');
  });
});

describe('npm run webhooks:subscribe', () => {
  let sim: PartnerSim;
  let env: TestEnv;
  let app: TestApp;
  const publicUrl = 'http://api.example.test:3000';

  beforeAll(async () => {
    sim = await startPartnerSim({ port: 0 });
    env = createTestEnv({ ...sim.serviceEnv(), PUBLIC_BASE_URL: publicUrl });
    app = await createTestApp({ listen: true });
  });

  afterAll(async () => {
    await app?.close();
    await sim?.stop();
    await env?.cleanup();
  });

  it('subscribes a running service to the simulator, once however often it runs', async () => {
    const run = () =>
      promisify(execFile)(
        process.execPath,
        [
          join(ROOT, 'node_modules', 'ts-node', 'dist', 'bin.js'),
          '--swc',
          '-P',
          join(ROOT, 'test', 'partner-sim', 'tsconfig.cli.json'),
          join(ROOT, 'scripts', 'subscribe-webhooks.ts'),
        ],
        {
          cwd: ROOT,
          env: {
            PATH: process.env.PATH,
            SERVICE_URL: app.url,
            PARTNER_SIM_URL: sim.url,
            AUTH_ISSUER: env.vars.AUTH_ISSUER,
            AUTH_AUDIENCE: env.vars.AUTH_AUDIENCE,
          },
        },
      );
    const first = await run();
    expect(first.stdout).toContain(`registered for ${app.url}`);
    await run();
    expect(sim.subscriptions()).toEqual([
      expect.objectContaining({
        url: `${publicUrl}/webhooks/partner`,
        events: expect.arrayContaining(['inventory.updated', 'price.updated']),
      }),
    ]);
  });
});
