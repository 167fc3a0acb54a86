import { randomBytes } from 'node:crypto';
import { generateWebhookSecret, PartnerSim, startPartnerSim } from '../../partner-sim';
import { setTimeout as sleep } from 'node:timers/promises';
import { Answer, call, CallOptions } from '../../support/contract-http';
import { ServiceInstance } from './service';

/** A unique database name / key prefix for one test file. */
export function uniqueName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(4).toString('hex')}`;
}

/** The partner simulator (JWKS for write tokens) and the shared settings of a fault suite. */
export interface FaultsWorld {
  readonly sim: PartnerSim;
  readonly webhookSecret: string;
  readonly writer: string;
  /** Environment every instance of this suite gets, before the dependency addresses. */
  readonly baseEnv: Record<string, string>;
}

export async function startWorld(extra: Record<string, string> = {}): Promise<FaultsWorld> {
  const sim = await startPartnerSim({ port: 0 });
  const webhookSecret = generateWebhookSecret();
  const writer = await sim.issueJwt({
    scope: 'products:write',
    sub: 'faults-writer',
    expiresInS: 3_600,
  });
  return {
    sim,
    webhookSecret,
    writer,
    baseEnv: {
      ...sim.serviceEnv(),
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'warn',
      DB_MIGRATE_ON_START: 'true',
      WEBHOOK_SECRET: webhookSecret,
      // The load comes from one address; these suites are not about rate limits.
      RATE_LIMIT_LIMIT: '1000000',
      RATE_LIMIT_WEBHOOKS_LIMIT: '1000000',
      ...extra,
    },
  };
}

/** One call from the test's own address (no X-Forwarded-For). */
export function api(base: string, path: string, options: CallOptions = {}): Promise<Answer> {
  return call(base, path, { ip: null, ...options });
}

/** Creates `count` products in `category`; returns their ids. */
export async function createProducts(
  base: string,
  token: string,
  category: string,
  count: number,
): Promise<number[]> {
  const ids: number[] = [];
  for (let i = 0; i < count; i++) {
    const created = await api(base, '/products', {
      method: 'POST',
      token,
      body: {
        sku: `${category}-${i}-${randomBytes(3).toString('hex')}`.toUpperCase(),
        name: `${category} ${i}`,
        category,
        price: `${i + 1}.00`,
        stock: 10,
      },
    });
    if (created.status !== 201) {
      throw new Error(`create failed: ${created.status} ${created.text}`);
    }
    ids.push(created.body.id as number);
  }
  return ids;
}

/** Starts `count` instances with the same environment. */
export async function startInstances(
  count: number,
  env: Record<string, string>,
): Promise<ServiceInstance[]> {
  const instances: ServiceInstance[] = [];
  for (let i = 0; i < count; i++) {
    instances.push(await ServiceInstance.start(env));
  }
  return instances;
}

/**
 * Milliseconds until `check` passes, polling every 25 ms; Infinity when it still fails
 * after `giveUpMs` (the caller asserts the bound, so a failure shows how late it was).
 */
export async function timeUntil(check: () => Promise<boolean>, giveUpMs: number): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check().catch(() => false)) {
      return Date.now() - started;
    }
    if (Date.now() - started > giveUpMs) {
      return Number.POSITIVE_INFINITY;
    }
    await sleep(25);
  }
}

/** Prints a measurement (kept in the test output, so runs can be compared). */
export function report(name: string, data: unknown): void {
  process.stderr.write(`[faults] ${name}: ${JSON.stringify(data)}\n`);
}
