import type { FaultMode, FaultSpec } from './types';

const GLOBAL = '*';

type Fault = FaultSpec & { remaining?: number };

/** The outcome of the faults for one attempt. */
export type FaultDecision =
  { kind: 'answer' } | { kind: 'status'; status: number; retryAfterS?: number };

const STATUS_ORDER: readonly FaultMode[] = ['not_found', 'rate_limit', 'fail_next', 'error_rate'];

/**
 * Faults by (item or global, mode). Several modes may be active at once; for a given mode
 * an item's own fault wins over the global one.
 */
export class FaultBook {
  private faults = new Map<string, Map<FaultMode, Fault>>();

  constructor(private readonly random: () => number = Math.random) {}

  set(spec: FaultSpec): void {
    validateFault(spec);
    const target = spec.itemId ?? GLOBAL;
    const byMode = this.faults.get(target) ?? new Map<FaultMode, Fault>();
    const remaining =
      spec.mode === 'fail_next' || spec.mode === 'rate_limit' ? spec.count : undefined;
    byMode.set(spec.mode, { ...spec, remaining });
    this.faults.set(target, byMode);
  }

  clear(): void {
    this.faults = new Map();
  }

  latencyMs(itemId: string): number {
    const fault = this.find(itemId, 'latency');
    return fault?.mode === 'latency' ? fault.latencyMs : 0;
  }

  hangs(itemId: string): boolean {
    return this.find(itemId, 'hang') !== undefined;
  }

  /** Status-changing faults, consumed in the order not_found, rate_limit, fail_next, error_rate. */
  decide(itemId: string): FaultDecision {
    for (const mode of STATUS_ORDER) {
      const fault = this.find(itemId, mode);
      if (!fault) {
        continue;
      }
      const decision = this.apply(fault);
      if (decision) {
        return decision;
      }
    }
    return { kind: 'answer' };
  }

  private apply(fault: Fault): FaultDecision | null {
    switch (fault.mode) {
      case 'not_found':
        return { kind: 'status', status: 404 };
      case 'rate_limit':
      case 'fail_next': {
        if (!fault.remaining || fault.remaining <= 0) {
          return null;
        }
        fault.remaining -= 1;
        const status = fault.mode === 'rate_limit' ? 429 : fault.status;
        return { kind: 'status', status, retryAfterS: fault.retryAfterS };
      }
      case 'error_rate':
        return this.random() < fault.rate ? { kind: 'status', status: fault.status ?? 500 } : null;
      case 'latency':
      case 'hang':
        return null;
    }
  }

  private find(itemId: string, mode: FaultMode): Fault | undefined {
    const own = this.faults.get(itemId)?.get(mode);
    if (own && !exhausted(own)) {
      return own;
    }
    return this.faults.get(GLOBAL)?.get(mode);
  }
}

function exhausted(fault: Fault): boolean {
  return fault.remaining !== undefined && fault.remaining <= 0;
}

function validateFault(spec: FaultSpec): void {
  const fail = (message: string): never => {
    throw new Error(`invalid ${spec.mode} fault: ${message}`);
  };
  switch (spec.mode) {
    case 'latency':
      if (!(spec.latencyMs >= 0)) {
        fail('latencyMs must be >= 0');
      }
      return;
    case 'error_rate':
      if (!(spec.rate >= 0 && spec.rate <= 1)) {
        fail('rate must be within 0..1');
      }
      return;
    case 'fail_next':
      if (!(spec.status >= 100 && spec.status <= 599)) {
        fail('status must be an HTTP status');
      }
      if (!(spec.count >= 0)) {
        fail('count must be >= 0');
      }
      return;
    case 'rate_limit':
      if (!(spec.count >= 0 && spec.retryAfterS >= 0)) {
        fail('count and retryAfterS must be >= 0');
      }
      return;
    case 'hang':
    case 'not_found':
      return;
    default:
      fail('unknown mode');
  }
}
