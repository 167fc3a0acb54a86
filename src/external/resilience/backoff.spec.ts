import { Deadline, fullJitterDelay, parseRetryAfter, retryAfterSeconds } from './backoff';

describe('fullJitterDelay', () => {
  const options = { baseMs: 100, capMs: 1_000 };

  it('stays within [0, min(cap, base * 2^(retry - 1))) for every retry', () => {
    for (let retry = 1; retry <= 8; retry += 1) {
      const ceiling = Math.min(1_000, 100 * 2 ** (retry - 1));
      expect(fullJitterDelay(retry, options, () => 0)).toBe(0);
      const highest = fullJitterDelay(retry, options, () => 0.999999);
      expect(highest).toBeLessThan(ceiling);
      expect(highest).toBeGreaterThanOrEqual(ceiling - 1);
    }
  });

  it('spreads delays over the whole range rather than clustering', () => {
    const samples = Array.from({ length: 2_000 }, () => fullJitterDelay(3, options));
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...samples)).toBeLessThan(400);
    const lowHalf = samples.filter((ms) => ms < 200).length;
    expect(lowHalf).toBeGreaterThan(800);
    expect(lowHalf).toBeLessThan(1_200);
  });

  it('never exceeds the cap, even for absurd retry numbers', () => {
    expect(fullJitterDelay(1_000, options, () => 0.999999)).toBeLessThan(1_000);
    expect(Number.isFinite(fullJitterDelay(1_000, options))).toBe(true);
  });
});

describe('parseRetryAfter', () => {
  const now = Date.parse('2026-11-22T10:00:00.000Z');

  it('reads delay-seconds', () => {
    expect(parseRetryAfter('1', now)).toBe(1_000);
    expect(parseRetryAfter(' 120 ', now)).toBe(120_000);
    expect(parseRetryAfter('0', now)).toBe(0);
    expect(parseRetryAfter(['3', '9'], now)).toBe(3_000);
  });

  it('reads an HTTP-date relative to now, and treats a past date as now', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 22 Nov 2026 09:59:00 GMT', now)).toBe(0);
  });

  it('ignores absent and malformed values', () => {
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
    expect(parseRetryAfter('', now)).toBeUndefined();
    expect(parseRetryAfter('-1', now)).toBeUndefined();
    expect(parseRetryAfter('1.5', now)).toBeUndefined();
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter('Xyz, not a date', now)).toBeUndefined();
    expect(parseRetryAfter('99999999999', now)).toBeUndefined();
  });
});

describe('retryAfterSeconds', () => {
  it('rounds up to whole seconds, at least 1', () => {
    expect(retryAfterSeconds(0)).toBe('1');
    expect(retryAfterSeconds(1)).toBe('1');
    expect(retryAfterSeconds(1_000)).toBe('1');
    expect(retryAfterSeconds(1_001)).toBe('2');
  });
});

describe(Deadline.name, () => {
  it('counts down on the injected clock and refuses waits that leave no budget', () => {
    let now = 1_000;
    const deadline = new Deadline(5_000, () => now);
    expect(deadline.remainingMs()).toBe(5_000);
    now += 4_000;
    expect(deadline.remainingMs()).toBe(1_000);
    expect(deadline.allowsWait(900, 50)).toBe(true);
    expect(deadline.allowsWait(951, 50)).toBe(false);
    now += 2_000;
    expect(deadline.remainingMs()).toBe(0);
  });
});
