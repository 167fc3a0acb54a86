import 'reflect-metadata';
import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import PinoPretty from 'pino-pretty';
import { loadDotEnvFile } from '../src/config/env.validation';
import { PartnerSim, startPartnerSim } from '../test/partner-sim';
import { subscribed, subscribeWebhooks, waitForReady } from './subscribe-webhooks';

/**
 * `npm run quickstart`: the whole local stack in one command, on a machine with MySQL or
 * MariaDB and Redis on localhost. Reads `.env` from the working directory as the service
 * does (the real environment wins). Starts the partner simulator (OAuth provider, JWKS,
 * partner items and webhooks) on PARTNER_SIM_PORT (4010), seeds a demo catalog of
 * DEMO_PRODUCTS (100,000) products when the products table is empty, runs the built
 * service on PORT (3000) with readable logs and subscribes it to the simulator's webhooks.
 * Runs until Ctrl-C: the API finishes the requests in flight, then the simulator stops.
 *
 * Every child runs in its own process group, so a Ctrl-C in the terminal reaches only this
 * process, which stops each child exactly once; on any failure every child it started is
 * stopped before it exits.
 */
const ROOT = join(__dirname, '..');
const DEFAULT_SIM_ISSUER = 'http://127.0.0.1:4010';
/** Longer than the service's drain (SHUTDOWN_TIMEOUT_MS, 8 s) and its forced-exit margin. */
const STOP_TIMEOUT_MS = 30_000;

const say = (line: string): void => console.log(`[quickstart] ${line}`);

interface Settings {
  readonly simPort: number;
  readonly serviceUrl: string;
  readonly demoProducts: string;
  readonly readyTimeoutMs: number;
  /** The service's environment: the simulator's defaults under whatever is set. */
  readonly serviceEnv: NodeJS.ProcessEnv;
  /** Whether AUTH_ISSUER was set (in the environment or `.env`) rather than defaulted. */
  readonly issuerSet: boolean;
}

function settings(env: NodeJS.ProcessEnv): Settings {
  const simPort = Number(env.PARTNER_SIM_PORT || 4010);
  const simUrl = `http://127.0.0.1:${simPort}`;
  const serviceUrl = `http://127.0.0.1:${Number(env.PORT || 3000)}`;
  const defaults: Record<string, string> = {
    DB_TYPE: 'mariadb',
    OAUTH_TOKEN_URL: `${simUrl}/oauth/token`,
    PARTNER_API_URL: simUrl,
    AUTH_JWKS_URL: `${simUrl}/.well-known/jwks.json`,
    AUTH_ISSUER: simUrl,
    PUBLIC_BASE_URL: serviceUrl,
  };
  return {
    simPort,
    serviceUrl,
    demoProducts: env.DEMO_PRODUCTS || '100000',
    readyTimeoutMs: Number(env.QUICKSTART_READY_TIMEOUT_S || 60) * 1000,
    serviceEnv: { ...defaults, ...env },
    issuerSet: Boolean(env.AUTH_ISSUER),
  };
}

/** The service's JSON log lines, one readable line each. */
function prettyLogs(): NodeJS.WritableStream {
  return PinoPretty({
    colorize: Boolean(process.stdout.isTTY),
    sync: true,
    singleLine: true,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname,service,context,request_id,method,url,route,status,duration_ms',
    messageFormat: (log, messageKey) => {
      const field = (name: string): string => {
        const value = log[name];
        return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
      };
      const message = field(messageKey);
      if (message === 'request completed') {
        return `${field('method')} ${field('url')} → ${field('status')} (${field('duration_ms')} ms)`;
      }
      return field('context') ? `[${field('context')}] ${message}` : message;
    },
  });
}

type Exit = { readonly code: number | null; readonly signal: NodeJS.Signals | null };

/** The children this run started, each in its own process group. */
class Children {
  private readonly exits = new Map<ChildProcess, Promise<Exit>>();

  start(args: string[], env: NodeJS.ProcessEnv, pretty = false): ChildProcess {
    const child = spawn(process.execPath, args, {
      env,
      detached: true,
      stdio: ['ignore', pretty ? 'pipe' : 'inherit', 'inherit'],
    });
    if (pretty) {
      child.stdout?.pipe(prettyLogs());
    }
    this.exits.set(
      child,
      once(child, 'exit').then(([code, signal]) => ({
        code: code as number | null,
        signal: signal as NodeJS.Signals | null,
      })),
    );
    return child;
  }

  exited(child: ChildProcess): Promise<Exit> {
    return this.exits.get(child) as Promise<Exit>;
  }

  /** Stops every running child once (SIGTERM, SIGKILL after STOP_TIMEOUT_MS); true if all ended cleanly. */
  async stopAll(): Promise<boolean> {
    const outcomes = await Promise.all(
      [...this.exits].map(async ([child, exited]) => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
        }
        const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
        const exit = await exited;
        clearTimeout(timer);
        return exit.code === 0 || exit.signal === 'SIGTERM';
      }),
    );
    return outcomes.every(Boolean);
  }
}

async function main(): Promise<void> {
  loadDotEnvFile();
  const config = settings(process.env);
  const children = new Children();
  let sim: PartnerSim | undefined;
  let stopping: Promise<void> | undefined;

  const shutdown = (code: number): Promise<void> => {
    stopping ??= (async () => {
      const clean = await children.stopAll();
      await sim?.stop();
      process.exit(code !== 0 || !clean ? 1 : 0);
    })();
    return stopping;
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.on(signal, () => {
      if (stopping) {
        say(`${signal} again: still waiting for the API to finish the requests in flight`);
        return;
      }
      say(`${signal}: stopping (the API finishes the requests in flight first)`);
      void shutdown(0);
    });
  }

  try {
    sim = await startPartnerSim({ port: config.simPort, signingKeys: 'dev' });
    say(`partner simulator on ${sim.url}`);
    const env = config.serviceEnv;

    const seeder = children.start(
      [join(ROOT, 'dist', 'src', 'cli', 'seed.js'), '--count', config.demoProducts, '--if-empty'],
      env,
    );
    const seeded = await children.exited(seeder);
    if (stopping) {
      return;
    }
    if (seeded.code !== 0) {
      throw new Error('seeding the demo catalog failed');
    }

    const service = children.start([join(ROOT, 'dist', 'src', 'main.js')], env, true);
    const serviceExit = children.exited(service).then((exit) => {
      if (!stopping) {
        say(`the API exited (${exit.code ?? exit.signal})`);
        void shutdown(exit.code === 0 ? 0 : 1);
      }
      throw new Error('the API exited before it was ready');
    });
    await Promise.race([waitForReady(config.serviceUrl, config.readyTimeoutMs), serviceExit]);
    void serviceExit.catch(() => undefined);
    const status = await subscribeWebhooks({
      serviceUrl: config.serviceUrl,
      simUrl: sim.url,
      issuer: env.AUTH_ISSUER,
      audience: env.AUTH_AUDIENCE,
    });
    printSummary(
      config,
      env,
      subscribed(status) ? 'registered' : `not registered (HTTP ${status})`,
    );
  } catch (error) {
    if (!stopping) {
      say(`${error instanceof Error ? error.message : String(error)}; stopping what was started`);
      await shutdown(1);
    }
  }
}

function printSummary(config: Settings, env: NodeJS.ProcessEnv, subscription: string): void {
  const url = config.serviceUrl;
  const issuer =
    !config.issuerSet && env.AUTH_ISSUER !== DEFAULT_SIM_ISSUER
      ? `AUTH_ISSUER=${env.AUTH_ISSUER} `
      : '';
  console.log(
    [
      '',
      `[quickstart] FarmLokal API on ${url}  (Swagger UI: ${url}/docs)`,
      `[quickstart] webhook subscription at the simulator: ${subscription}`,
      `[quickstart] catalog: database ${env.DB_NAME || 'farmlokal'} (kept between runs)`,
      `[quickstart] try: curl '${url}/products?limit=5&sort=price&order=asc'`,
      `[quickstart]      curl ${url}/external/items/1`,
      `[quickstart]      ${issuer}npm run -s token:dev -- --scope products:write   (bearer token for writes)`,
      '[quickstart] running until Ctrl-C',
      '',
    ].join('\n'),
  );
}

main().catch((error: unknown) => {
  console.error(`[quickstart] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
