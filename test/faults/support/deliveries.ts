import { setTimeout as sleep } from 'node:timers/promises';
import { signWebhook } from '../../partner-sim';
import { Answer } from '../../support/contract-http';
import { api } from './fixture';

/** A partner event: the same id and body on every delivery attempt. */
export interface PartnerEvent {
  readonly id: string;
  readonly body: string;
}

/** `inventory.updated` setting `sku`'s stock, with a fixed event time. */
export function inventoryEvent(id: string, sku: string, stock: number): PartnerEvent {
  return {
    id,
    body: JSON.stringify({
      type: 'inventory.updated',
      timestamp: new Date().toISOString(),
      data: { sku, stock },
    }),
  };
}

/** One delivery attempt (fresh timestamp and signature, as a partner's retry sends). */
export function deliver(base: string, secret: string, event: PartnerEvent): Promise<Answer> {
  const timestamp = Math.floor(Date.now() / 1000);
  return api(base, '/webhooks/partner', {
    method: 'POST',
    body: event.body,
    headers: {
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secret, event.id, timestamp, event.body),
    },
  });
}

/** An idempotent create: the same key and body on every attempt. */
export interface IdempotentCreate {
  readonly key: string;
  readonly sku: string;
  readonly body: Record<string, unknown>;
}

export function idempotentCreate(key: string, sku: string, category: string): IdempotentCreate {
  return {
    key,
    sku,
    body: { sku, name: `idempotent ${sku}`, category, price: '9.99', stock: 1 },
  };
}

export function post(base: string, token: string, create: IdempotentCreate): Promise<Answer> {
  return api(base, '/products', {
    method: 'POST',
    token,
    body: create.body,
    headers: { 'idempotency-key': create.key },
  });
}

export interface Settled {
  readonly answer: Answer;
  readonly attempts: number;
  /** Largest Retry-After (s) of a 409 or 503 on the way. */
  readonly maxRetryAfterS: number;
  /** Each attempt: when it was sent (Date.now()) and its status (0: no answer). */
  readonly history: readonly { readonly sentAt: number; readonly status: number }[];
}

/**
 * Retries `attempt` the way a well-behaved sender does until it gets a 2xx: after a 409 or
 * 503 it waits `Retry-After` (default 1 s), after a 5xx or a lost connection 250 ms. Throws
 * when `giveUpMs` has passed.
 */
export async function retryUntilSettled(
  attempt: () => Promise<Answer>,
  giveUpMs: number,
): Promise<Settled> {
  const deadline = Date.now() + giveUpMs;
  let attempts = 0;
  let maxRetryAfterS = 0;
  let last = 'nothing';
  const history: { sentAt: number; status: number }[] = [];
  while (Date.now() < deadline) {
    attempts += 1;
    const sentAt = Date.now();
    let answer: Answer | null = null;
    try {
      answer = await attempt();
    } catch (error) {
      last = String(error);
    }
    history.push({ sentAt, status: answer?.status ?? 0 });
    if (answer && answer.status >= 200 && answer.status < 300) {
      return { answer, attempts, maxRetryAfterS, history };
    }
    let waitMs = 250;
    if (answer) {
      last = `${answer.status} ${answer.text.slice(0, 200)}`;
      if (answer.status === 409 || answer.status === 503) {
        const retryAfterS = Number(answer.headers.get('retry-after') ?? '1');
        maxRetryAfterS = Math.max(maxRetryAfterS, retryAfterS);
        waitMs = Math.min(retryAfterS * 1000, 1_000);
      } else if (answer.status < 500) {
        throw new Error(`unexpected ${last}`);
      }
    }
    await sleep(Math.max(0, Math.min(waitMs, deadline - Date.now())));
  }
  throw new Error(`not settled after ${giveUpMs} ms (${attempts} attempts); last: ${last}`);
}
