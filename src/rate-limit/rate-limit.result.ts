/** Outcome of counting one request against a client's sliding window. */
export interface RateLimitResult {
  readonly allowed: boolean;
  /** Hits inside the window, this one included when it was allowed. */
  readonly count: number;
  /** Milliseconds until the oldest counted hit leaves the window (a slot frees up). */
  readonly resetMs: number;
}
