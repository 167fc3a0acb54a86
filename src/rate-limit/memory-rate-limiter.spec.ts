import { MemoryRateLimiter } from './memory-rate-limiter';

describe(MemoryRateLimiter.name, () => {
  let now: number;
  let limiter: MemoryRateLimiter;

  beforeEach(() => {
    now = 1_000_000;
    limiter = new MemoryRateLimiter(() => now);
  });

  it('admits `limit` hits per window and rejects the rest without counting them', () => {
    const results = Array.from({ length: 5 }, () => limiter.hit('k', 3, 10_000));
    expect(results.map((r) => r.allowed)).toEqual([true, true, true, false, false]);
    expect(results.map((r) => r.count)).toEqual([1, 2, 3, 3, 3]);
  });

  it('frees a slot when the oldest hit leaves the window, not before', () => {
    limiter.hit('k', 2, 10_000);
    now += 4_000;
    limiter.hit('k', 2, 10_000);
    now += 5_999;
    expect(limiter.hit('k', 2, 10_000)).toEqual({ allowed: false, count: 2, resetMs: 1 });
    now += 1;
    expect(limiter.hit('k', 2, 10_000)).toEqual({ allowed: true, count: 2, resetMs: 4_000 });
  });

  it('does not admit twice the limit across a window boundary', () => {
    now += 9_900;
    const early = Array.from({ length: 10 }, () => limiter.hit('k', 10, 10_000).allowed);
    now += 200;
    const late = Array.from({ length: 10 }, () => limiter.hit('k', 10, 10_000).allowed);
    expect(early.filter(Boolean)).toHaveLength(10);
    expect(late.filter(Boolean)).toHaveLength(0);
  });

  it('keeps keys apart and forgets idle windows on sweep', () => {
    limiter.hit('a', 1, 1_000);
    expect(limiter.hit('b', 1, 1_000).allowed).toBe(true);
    expect(limiter.size).toBe(2);
    now += 1_000;
    limiter.sweep(1_000);
    expect(limiter.size).toBe(0);
    expect(limiter.hit('a', 1, 1_000)).toEqual({ allowed: true, count: 1, resetMs: 1_000 });
  });
});
