/**
 * Shares one run of `check` among all callers for `maxAgeMs` after it started: callers
 * during a run wait for it, callers after it reuse its outcome (success or failure) until it
 * is `maxAgeMs` old, then the next caller starts a fresh run. A burst of probes therefore
 * costs one check per `maxAgeMs`, however large.
 */
export class RecentResult<T> {
  private last?: { readonly startedAt: number; readonly outcome: Promise<T> };

  constructor(
    private readonly check: () => Promise<T>,
    private readonly maxAgeMs: number,
    private readonly now: () => number = () => performance.now(),
  ) {}

  get(): Promise<T> {
    const now = this.now();
    if (this.last && now - this.last.startedAt < this.maxAgeMs) {
      return this.last.outcome;
    }
    const outcome = this.check();
    // Kept for reuse; each caller handles the rejection on its own copy.
    outcome.catch(() => undefined);
    this.last = { startedAt: now, outcome };
    return outcome;
  }
}
