import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Subscribes a running service to the partner simulator's webhooks, as a developer would:
 * a bearer token with `subscriptions:manage` minted by the simulator (signed with the key
 * the service trusts in development), then `POST /external/subscriptions` on the service.
 * Used by `npm run quickstart`, and by Docker Compose's one-off `subscribe` service through
 * `npm run webhooks:subscribe`.
 */
export interface SubscribeOptions {
  readonly serviceUrl: string;
  readonly simUrl: string;
  /** The `iss` and `aud` the service expects (AUTH_ISSUER, AUTH_AUDIENCE); unset = defaults. */
  readonly issuer?: string;
  readonly audience?: string;
}

/** The HTTP status of `POST /external/subscriptions` (0 when nothing answered). */
export async function subscribeWebhooks(options: SubscribeOptions): Promise<number> {
  const minted = await fetch(`${options.simUrl}/_control/jwt`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      scope: 'subscriptions:manage',
      sub: 'quickstart',
      issuer: options.issuer,
      audience: options.audience,
    }),
  });
  if (!minted.ok) {
    throw new Error(`the simulator minted no token (HTTP ${minted.status})`);
  }
  const { token } = (await minted.json()) as { token: string };
  return fetch(`${options.serviceUrl}/external/subscriptions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
  }).then(
    (res) => res.status,
    () => 0,
  );
}

export const subscribed = (status: number): boolean => status === 200 || status === 201;

/** Polls `/health/ready` until it answers 200, or throws after `timeoutMs`. */
export async function waitForReady(serviceUrl: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(`${serviceUrl}/health/ready`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) {
      return;
    }
    await sleep(250);
  }
  throw new Error(`${serviceUrl} was not ready within ${Math.round(timeoutMs / 1000)} s`);
}

/**
 * `npm run webhooks:subscribe`: SERVICE_URL (default http://127.0.0.1:3000), PARTNER_SIM_URL
 * (default http://127.0.0.1:4010), AUTH_ISSUER and AUTH_AUDIENCE as the service has them.
 */
async function main(): Promise<void> {
  const serviceUrl = process.env.SERVICE_URL ?? 'http://127.0.0.1:3000';
  await waitForReady(serviceUrl, 120_000);
  const status = await subscribeWebhooks({
    serviceUrl,
    simUrl: process.env.PARTNER_SIM_URL ?? 'http://127.0.0.1:4010',
    issuer: process.env.AUTH_ISSUER || undefined,
    audience: process.env.AUTH_AUDIENCE || undefined,
  });
  if (!subscribed(status)) {
    throw new Error(`POST /external/subscriptions answered HTTP ${status}`);
  }
  console.log(`webhook subscription at the simulator registered for ${serviceUrl}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`webhooks:subscribe: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
