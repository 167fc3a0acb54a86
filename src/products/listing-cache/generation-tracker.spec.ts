import { GenerationTracker } from './generation-tracker';

describe(GenerationTracker.name, () => {
  let now: number;
  let stored: Record<string, string | null>;
  let reads: number;
  let failing: boolean;
  let resets: string[];
  let tracker: GenerationTracker;

  beforeEach(() => {
    now = 1_000;
    stored = { ns: '5' };
    reads = 0;
    failing = false;
    resets = [];
    tracker = new GenerationTracker(
      (namespaces) => {
        reads += 1;
        return failing
          ? Promise.reject(new Error('down'))
          : Promise.resolve(namespaces.map((ns) => stored[ns] ?? null));
      },
      { refreshMs: 250, maxAgeMs: 750, now: () => now, onReset: (ns) => resets.push(ns) },
    );
  });

  afterEach(() => tracker.stop());

  it('is unknown until a first read, which the first ask starts', async () => {
    expect(tracker.current('ns')).toBeNull();
    expect(reads).toBe(1);
    await tracker.refresh();
    expect(tracker.current('ns')).toBe(5);
  });

  it('reads a never bumped generation as 0', async () => {
    tracker.current('other');
    await tracker.refresh();
    expect(tracker.current('other')).toBe(0);
  });

  it('adopts a higher announced or local generation at once, never a lower one', async () => {
    tracker.current('ns');
    await tracker.refresh();
    tracker.advance('ns', 7);
    expect(tracker.current('ns')).toBe(7);
    tracker.advance('ns', 6);
    expect(tracker.current('ns')).toBe(7);
  });

  it('picks up a bump nobody announced on the next re-read', async () => {
    tracker.current('ns');
    await tracker.refresh();
    stored.ns = '9';
    now += 250;
    await tracker.refresh();
    expect(tracker.current('ns')).toBe(9);
  });

  it('stops trusting its copy once no read confirmed it for maxAgeMs', async () => {
    tracker.current('ns');
    await tracker.refresh();
    failing = true;
    now += 700;
    await tracker.refresh();
    expect(tracker.current('ns')).toBe(5);
    now += 51;
    expect(tracker.current('ns')).toBeNull();
    failing = false;
    await tracker.refresh();
    expect(tracker.current('ns')).toBe(5);
  });

  it('dates a confirmation from when its read was sent, not when it came back', async () => {
    tracker.current('ns');
    await tracker.refresh();
    let release!: () => void;
    const slow = new GenerationTracker(
      () =>
        new Promise((resolve) => {
          release = () => resolve(['5']);
        }),
      { refreshMs: 250, maxAgeMs: 750, now: () => now },
    );
    slow.current('ns');
    now += 1_000;
    release();
    await slow.refresh();
    expect(slow.current('ns')).toBeNull();
    slow.stop();
  });

  it('ignores a lower value from a read overtaken by a newer bump', () => {
    tracker.advance('ns', 5);
    const token = tracker.token('ns');
    tracker.advance('ns', 6);
    tracker.observe('ns', '5', token);
    expect(tracker.current('ns')).toBeNull(); // 6 is not confirmed by any read yet
    tracker.observe('ns', '6', tracker.token('ns'));
    expect(tracker.current('ns')).toBe(6);
    expect(resets).toEqual([]);
  });

  it('follows the store back to a lower generation when nothing overtook the read', async () => {
    tracker.current('ns');
    await tracker.refresh();
    stored.ns = null;
    await tracker.refresh();
    expect(tracker.current('ns')).toBe(0);
    expect(resets).toEqual(['ns']);
  });

  it('re-reads every tracked namespace on its timer', async () => {
    jest.useFakeTimers();
    try {
      tracker.current('ns');
      tracker.current('other');
      const before = reads;
      await jest.advanceTimersByTimeAsync(1_000);
      expect(reads - before).toBeGreaterThanOrEqual(3);
      tracker.stop();
      const stopped = reads;
      await jest.advanceTimersByTimeAsync(1_000);
      expect(reads).toBe(stopped);
    } finally {
      jest.useRealTimers();
    }
  });
});
