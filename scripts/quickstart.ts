import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { startPartnerSim } from '../test/partner-sim';

/**
 * `npm run quickstart`: the whole local stack in one command, on a machine with MySQL or
 * MariaDB and Redis on localhost. Starts the partner simulator (OAuth provider, JWKS,
 * partner items and webhooks) on :4010, seeds a demo catalog when the products table is
 * empty, runs the built service on :3000 and subscribes it to the simulator's webhooks.
 */
const ROOT = join(__dirname, '..');
const DEMO_PRODUCTS = process.env.DEMO_PRODUCTS ?? '100000';
const SIM_PORT = Number(process.env.PARTNER_SIM_PORT ?? 4010);
const SERVICE_PORT = Number(process.env.PORT ?? 3000);
const SERVICE_URL = `http://127.0.0.1:${SERVICE_PORT}`;
const READY_TIMEOUT_MS = 60_000;

/**
 * The service's environment: whatever is set wins; what is not set points at the
 * simulator and at the service's own port, so other ports work without further settings.
 */
function serviceEnv(simUrl: string): NodeJS.ProcessEnv {
  const defaults: Record<string, string> = {
    DB_TYPE: 'mariadb',
    OAUTH_TOKEN_URL: `${simUrl}/oauth/token`,
    PARTNER_API_URL: simUrl,
    AUTH_JWKS_URL: `${simUrl}/.well-known/jwks.json`,
    AUTH_ISSUER: simUrl,
    PUBLIC_BASE_URL: SERVICE_URL,
  };
  return { ...defaults, ...process.env };
}

function run(env: NodeJS.ProcessEnv, args: string[], options: { inherit?: boolean } = {}) {
  return spawn(process.execPath, args, {
    cwd: ROOT,
    env,
    stdio: options.inherit ? 'inherit' : ['ignore', 'inherit', 'inherit'],
  });
}

async function exitCode(child: ChildProcess): Promise<number> {
  const [code] = (await once(child, 'exit')) as [number | null];
  return code ?? 1;
}

async function waitForReady(): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const ok = await fetch(`${SERVICE_URL}/health/ready`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) {
      return;
    }
    await sleep(250);
  }
  throw new Error(`the service was not ready within ${READY_TIMEOUT_MS / 1000} s`);
}

async function main(): Promise<void> {
  const sim = await startPartnerSim({ port: SIM_PORT, signingKeys: 'dev' });
  console.log(`[quickstart] partner simulator on ${sim.url}`);
  const env = serviceEnv(sim.url);

  const seeded = await exitCode(
    run(env, [join('dist', 'src', 'cli', 'seed.js'), '--count', DEMO_PRODUCTS, '--if-empty']),
  );
  if (seeded !== 0) {
    await sim.stop();
    throw new Error('seeding the demo catalog failed');
  }

  const service = run(env, [join('dist', 'src', 'main.js')], { inherit: true });
  const stop = (signal: NodeJS.Signals) => service.kill(signal);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  service.once('exit', (code) => {
    void sim.stop().then(() => process.exit(code ?? 0));
  });

  await waitForReady();
  const token = await sim.issueJwt({
    scope: 'subscriptions:manage products:write',
    issuer: env.AUTH_ISSUER,
    audience: env.AUTH_AUDIENCE,
  });
  const subscribed = await fetch(`${SERVICE_URL}/external/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  }).then(
    (res) => res.status,
    () => 0,
  );
  console.log(
    [
      '',
      `[quickstart] FarmLokal API on ${SERVICE_URL}  (Swagger UI: ${SERVICE_URL}/docs)`,
      `[quickstart] webhook subscription at the simulator: ${subscribed === 200 || subscribed === 201 ? 'registered' : `not registered (HTTP ${subscribed})`}`,
      `[quickstart] try: curl '${SERVICE_URL}/products?limit=5&sort=price&order=asc'`,
      `[quickstart]      curl ${SERVICE_URL}/external/items/1`,
      `[quickstart]      ${env.AUTH_ISSUER === 'http://127.0.0.1:4010' ? '' : `AUTH_ISSUER=${env.AUTH_ISSUER} `}npm run token:dev -- --scope products:write   (bearer token for writes)`,
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(`[quickstart] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
