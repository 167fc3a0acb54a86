import type { TokenRequestRecord } from './types';

interface ItemLog {
  times: number[];
  tokens: (string | null)[];
  aborted: number;
}

/** What the simulator saw; read by tests, cleared by `reset()`. */
export class SimCounters {
  private tokens: TokenRequestRecord[] = [];
  private items = new Map<string, ItemLog>();
  private deliveries = 0;

  /** Number of POST /oauth/token calls. */
  get tokenRequests(): number {
    return this.tokens.length;
  }

  /** Every POST /oauth/token call, in order. */
  get tokenRequestLog(): readonly TokenRequestRecord[] {
    return [...this.tokens];
  }

  /** Delivery attempts made to webhook subscribers. */
  get webhookDeliveries(): number {
    return this.deliveries;
  }

  /** Attempts on GET /v1/items/:id; all items when `id` is omitted. */
  itemAttempts(id?: string): number {
    return this.sum(id, (log) => log.times.length);
  }

  /** `Date.now()` of each attempt on the item, in order. */
  itemAttemptTimes(id: string): number[] {
    return [...(this.items.get(id)?.times ?? [])];
  }

  /** Bearer token of each attempt on the item (null when none was sent), in order. */
  itemAuthTokens(id: string): (string | null)[] {
    return [...(this.items.get(id)?.tokens ?? [])];
  }

  /** Attempts whose client closed the connection before an answer; all items when omitted. */
  abortedRequests(id?: string): number {
    return this.sum(id, (log) => log.aborted);
  }

  /** Attempts and aborts per item id. */
  snapshot(): {
    token_requests: number;
    item_attempts: Record<string, number>;
    aborted_requests: Record<string, number>;
    webhook_deliveries: number;
  } {
    const attempts: Record<string, number> = {};
    const aborted: Record<string, number> = {};
    for (const [id, log] of this.items) {
      attempts[id] = log.times.length;
      aborted[id] = log.aborted;
    }
    return {
      token_requests: this.tokenRequests,
      item_attempts: attempts,
      aborted_requests: aborted,
      webhook_deliveries: this.deliveries,
    };
  }

  recordTokenRequest(record: TokenRequestRecord): void {
    this.tokens.push(record);
  }

  recordItemAttempt(id: string, token: string | null): void {
    const log = this.itemLog(id);
    log.times.push(Date.now());
    log.tokens.push(token);
  }

  recordAbort(id: string): void {
    this.itemLog(id).aborted += 1;
  }

  recordDelivery(): void {
    this.deliveries += 1;
  }

  reset(): void {
    this.tokens = [];
    this.items = new Map();
    this.deliveries = 0;
  }

  private itemLog(id: string): ItemLog {
    let log = this.items.get(id);
    if (!log) {
      log = { times: [], tokens: [], aborted: 0 };
      this.items.set(id, log);
    }
    return log;
  }

  private sum(id: string | undefined, pick: (log: ItemLog) => number): number {
    if (id !== undefined) {
      const log = this.items.get(id);
      return log ? pick(log) : 0;
    }
    let total = 0;
    for (const log of this.items.values()) {
      total += pick(log);
    }
    return total;
  }
}
