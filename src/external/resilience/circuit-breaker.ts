/**
 * A rolling-window circuit breaker with the semantics docs/external.md describes, which cockatiel 3's
 * SamplingBreaker does not have: it opens on "at least `minCalls` calls in the window and a
 * failure ratio ≥ `failureRatio`" (SamplingBreaker needs a minimum *rate* and a ratio
 * strictly above the threshold, and reads `Date.now()` directly). See docs/external.md.
 */

export type CircuitState = 'closed' | 'open' | 'half_open';

/** How one call ended, from the breaker's point of view. */
export type CallOutcome =
  /** The partner answered sensibly (2xx, or a 4xx that is the caller's problem). */
  | 'success'
  /** Network error, timeout, 5xx: the partner is unwell. */
  | 'failure'
  /** Neither (429 back-off, or a call abandoned before it started). */
  | 'ignored';

export interface CircuitBreakerOptions {
  readonly windowMs: number;
  readonly minCalls: number;
  readonly failureRatio: number;
  readonly openMs: number;
  /** Number of buckets the window is split into. */
  readonly buckets?: number;
  readonly now?: () => number;
  readonly onTransition?: (from: CircuitState, to: CircuitState) => void;
}

/** Permission to make one call; report how it ended exactly once. */
export interface CircuitPermit {
  record(outcome: CallOutcome): void;
}

export type AcquireResult =
  | { readonly allowed: true; readonly permit: CircuitPermit }
  | { readonly allowed: false; readonly retryAfterMs: number };

interface Bucket {
  start: number;
  calls: number;
  failures: number;
}

const DEFAULT_BUCKETS = 10;
/** Retry-After given to callers turned away while a half-open trial is in flight. */
const HALF_OPEN_BUSY_RETRY_MS = 1_000;

export class CircuitBreaker {
  private state: CircuitState = 'closed';
  private openedAt = 0;
  private trialStartedAt: number | null = null;
  private readonly buckets: Bucket[];
  private readonly bucketMs: number;
  private readonly now: () => number;

  constructor(private readonly options: CircuitBreakerOptions) {
    const count = Math.max(1, options.buckets ?? DEFAULT_BUCKETS);
    this.bucketMs = Math.max(1, Math.ceil(options.windowMs / count));
    this.buckets = Array.from({ length: count }, () => ({
      start: -Infinity,
      calls: 0,
      failures: 0,
    }));
    this.now = options.now ?? Date.now;
  }

  get currentState(): CircuitState {
    if (this.state === 'open' && this.now() - this.openedAt >= this.options.openMs) {
      return 'half_open';
    }
    return this.state;
  }

  /** Calls and failures counted in the current window. */
  stats(): { calls: number; failures: number } {
    const now = this.now();
    let calls = 0;
    let failures = 0;
    for (const bucket of this.buckets) {
      if (now - bucket.start < this.options.windowMs) {
        calls += bucket.calls;
        failures += bucket.failures;
      }
    }
    return { calls, failures };
  }

  /**
   * Asks to make a call. Closed: always allowed. Open: refused until `openMs` has passed,
   * then one trial call is let through (half-open); others are refused while it runs.
   */
  tryAcquire(): AcquireResult {
    const now = this.now();
    if (this.state === 'open') {
      const waited = now - this.openedAt;
      if (waited < this.options.openMs) {
        return { allowed: false, retryAfterMs: this.options.openMs - waited };
      }
      this.transition('half_open');
    }
    if (this.state === 'half_open') {
      // A trial that never reported (it cannot, normally: every attempt has a timeout)
      // must not wedge the breaker half-open forever.
      const trialLost =
        this.trialStartedAt !== null && now - this.trialStartedAt >= this.options.openMs;
      if (this.trialStartedAt !== null && !trialLost) {
        return { allowed: false, retryAfterMs: HALF_OPEN_BUSY_RETRY_MS };
      }
      const startedAt = now;
      this.trialStartedAt = startedAt;
      return { allowed: true, permit: this.permit((outcome) => this.endTrial(startedAt, outcome)) };
    }
    return { allowed: true, permit: this.permit((outcome) => this.recordClosed(outcome)) };
  }

  private permit(onRecord: (outcome: CallOutcome) => void): CircuitPermit {
    let recorded = false;
    return {
      record: (outcome) => {
        if (!recorded) {
          recorded = true;
          onRecord(outcome);
        }
      },
    };
  }

  private recordClosed(outcome: CallOutcome): void {
    if (outcome === 'ignored' || this.state !== 'closed') {
      return;
    }
    const bucket = this.currentBucket();
    bucket.calls += 1;
    if (outcome === 'failure') {
      bucket.failures += 1;
      const { calls, failures } = this.stats();
      if (calls >= this.options.minCalls && failures / calls >= this.options.failureRatio) {
        this.open();
      }
    }
  }

  private endTrial(startedAt: number, outcome: CallOutcome): void {
    if (this.state !== 'half_open' || this.trialStartedAt !== startedAt) {
      return;
    }
    this.trialStartedAt = null;
    if (outcome === 'success') {
      this.resetWindow();
      this.transition('closed');
    } else if (outcome === 'failure') {
      this.open();
    }
  }

  private open(): void {
    this.openedAt = this.now();
    this.trialStartedAt = null;
    this.transition('open');
  }

  private transition(to: CircuitState): void {
    const from = this.state;
    this.state = to;
    if (from !== to) {
      this.options.onTransition?.(from, to);
    }
  }

  private currentBucket(): Bucket {
    const now = this.now();
    const start = now - (now % this.bucketMs);
    const index = Math.floor(now / this.bucketMs) % this.buckets.length;
    const bucket = this.buckets[index];
    if (bucket.start !== start) {
      bucket.start = start;
      bucket.calls = 0;
      bucket.failures = 0;
    }
    return bucket;
  }

  private resetWindow(): void {
    for (const bucket of this.buckets) {
      bucket.start = -Infinity;
      bucket.calls = 0;
      bucket.failures = 0;
    }
  }
}
