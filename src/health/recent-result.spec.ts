import { RecentResult } from './recent-result';

describe(RecentResult.name, () => {
  let clock = 0;
  let runs = 0;
  let fail = false;
  const check = async (): Promise<number> => {
    runs += 1;
    await Promise.resolve();
    if (fail) {
      throw new Error(`down ${runs}`);
    }
    return runs;
  };

  beforeEach(() => {
    clock = 0;
    runs = 0;
    fail = false;
  });

  it('shares one run among concurrent callers', async () => {
    const recent = new RecentResult(check, 1_000, () => clock);
    expect(await Promise.all([recent.get(), recent.get(), recent.get()])).toEqual([1, 1, 1]);
    expect(runs).toBe(1);
  });

  it('reuses a result less than maxAge old and runs again at maxAge', async () => {
    const recent = new RecentResult(check, 1_000, () => clock);
    await recent.get();
    clock = 999;
    expect(await recent.get()).toBe(1);
    clock = 1_000;
    expect(await recent.get()).toBe(2);
    expect(runs).toBe(2);
  });

  it('reuses a failure for maxAge too, then recovers', async () => {
    const recent = new RecentResult(check, 1_000, () => clock);
    fail = true;
    await expect(recent.get()).rejects.toThrow('down 1');
    clock = 500;
    await expect(recent.get()).rejects.toThrow('down 1');
    fail = false;
    clock = 1_500;
    expect(await recent.get()).toBe(2);
  });
});
