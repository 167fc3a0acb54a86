/**
 * Retry timing for partner calls, computed in one place: capped exponential backoff with
 * full jitter (aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter) and
 * `Retry-After` parsing (RFC 9110 §10.2.3: delay-seconds or an HTTP-date).
 */

export interface BackoffOptions {
  /** Upper bound of the first retry's delay. */
  readonly baseMs: number;
  /** No delay is ever longer than this. */
  readonly capMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 100, capMs: 2_000 };

/**
 * Full jitter: a uniformly random delay in `[0, min(cap, base · 2^(retry−1)))`.
 * `retry` is 1 for the first retry. `random` returns a number in [0, 1).
 */
export function fullJitterDelay(
  retry: number,
  options: BackoffOptions = DEFAULT_BACKOFF,
  random: () => number = Math.random,
): number {
  const exponent = Math.max(0, retry - 1);
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.min(exponent, 30));
  return Math.floor(random() * ceiling);
}

const DELAY_SECONDS = /^\d{1,10}$/;

/**
 * Milliseconds to wait according to a `Retry-After` value, or `undefined` when the header
 * is absent or unusable. A date in the past means "now" (0).
 */
export function parseRetryAfter(
  value: string | string[] | undefined,
  nowMs: number = Date.now(),
): number | undefined {
  const raw = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!raw) {
    return undefined;
  }
  if (DELAY_SECONDS.test(raw)) {
    return Number(raw) * 1_000;
  }
  // An HTTP-date always names its weekday; a bare number or garbage is not one.
  if (!/^[A-Za-z]{3},/.test(raw)) {
    return undefined;
  }
  const at = Date.parse(raw);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

/** `Retry-After` value (whole seconds, at least 1) for a wait of `ms` milliseconds. */
export function retryAfterSeconds(ms: number): string {
  return String(Math.max(1, Math.ceil(ms / 1_000)));
}

/**
 * An overall time budget for one logical call, shared by all of its attempts and waits.
 */
export class Deadline {
  private readonly endsAt: number;

  constructor(
    budgetMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.endsAt = now() + budgetMs;
  }

  remainingMs(): number {
    return Math.max(0, this.endsAt - this.now());
  }

  /** Whether waiting `ms` still leaves at least `minAttemptMs` for an attempt. */
  allowsWait(ms: number, minAttemptMs: number): boolean {
    return this.remainingMs() - ms >= minAttemptMs;
  }
}
