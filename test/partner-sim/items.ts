import type { FastifyInstance } from 'fastify';
import { createHash } from 'node:crypto';
import type { SimCounters } from './counters';
import type { FaultBook, FaultDecision } from './faults';
import { bearerToken, neverAnswer, onClientAbort, pause } from './http-utils';
import { requireToken, type OAuthProvider } from './oauth';
import type { PartnerItem } from './types';

const NAMES = [
  'Alphonso Mango',
  'Organic Spinach',
  'Desi Tomato',
  'Farm Fresh Eggs',
  'Basmati Rice',
  'Cold-Pressed Groundnut Oil',
  'Wild Forest Honey',
  'Red Onion',
  'A2 Cow Milk',
  'Green Cardamom',
];
const ITEM_ID = /^[A-Za-z0-9_-]{1,64}$/;
const EPOCH = Date.parse('2026-01-01T00:00:00.000Z');

/** The same item for the same id, on every run. */
export function fakeItem(id: string): PartnerItem {
  const digest = createHash('sha256').update(id).digest();
  const cents = 100 + (digest.readUInt32BE(0) % 99_900);
  return {
    id,
    name: NAMES[digest[4] % NAMES.length],
    price: (cents / 100).toFixed(2),
    available_qty: digest.readUInt16BE(5) % 500,
    updated_at: new Date(EPOCH + (digest.readUInt32BE(8) % 525_600) * 60_000).toISOString(),
  };
}

export interface ItemsDeps {
  oauth: OAuthProvider;
  faults: FaultBook;
  counters: SimCounters;
  overrides: Map<string, Partial<PartnerItem>>;
  stopped: AbortSignal;
}

export function registerItemRoutes(app: FastifyInstance, deps: ItemsDeps): void {
  const { oauth, faults, counters, overrides, stopped } = deps;
  app.get<{ Params: { id: string } }>('/v1/items/:id', async (request, reply) => {
    const { id } = request.params;
    counters.recordItemAttempt(id, bearerToken(request));
    let aborted = false;
    onClientAbort(reply, () => {
      aborted = true;
      counters.recordAbort(id);
    });
    if (!(await pause(faults.latencyMs(id), stopped)) || aborted || faults.hangs(id)) {
      return neverAnswer(reply);
    }
    if (!requireToken(oauth, request, reply)) {
      return reply;
    }
    const decision: FaultDecision = ITEM_ID.test(id)
      ? faults.decide(id)
      : { kind: 'status', status: 404 };
    if (decision.kind === 'status') {
      if (decision.retryAfterS !== undefined) {
        reply.header('retry-after', String(decision.retryAfterS));
      }
      return reply.code(decision.status).send(errorBody(decision.status, id));
    }
    return reply.send({ ...fakeItem(id), ...overrides.get(id), id });
  });
}

function errorBody(status: number, id: string): { error: string; message: string } {
  if (status === 404) {
    return { error: 'not_found', message: `No item ${id}` };
  }
  if (status === 429) {
    return { error: 'rate_limited', message: 'Too many requests' };
  }
  return { error: 'partner_error', message: `Simulated failure (${status})` };
}
