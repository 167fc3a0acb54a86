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
    stored = { ns: '5.a' };
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
    expect(tracker.current('ns')).toBe('5.a');
    expect(tracker.floor('ns')).toBe(6);
  });

  it('stays unknown while nothing is stored, without calling it a reset', async () => {
    tracker.current('other');
    await tracker.refresh();
    expect(tracker.current('other')).toBeNull();
    expect(tracker.floor('other')).toBe(1);
    expect(resets).toEqual([]);
  });

  it('adopts a newer announced or local generation at once, never an older one', async () => {
    tracker.current('ns');
    await tracker.refresh();
    tracker.advance('ns', '7.b');
    expect(tracker.current('ns')).toBe('7.b');
    tracker.advance('ns', '6.c');
    expect(tracker.current('ns')).toBe('7.b');
    tracker.advance('ns', 'garbage');
    expect(tracker.current('ns')).toBe('7.b');
  });

  it('picks up a bump nobody announced on the next re-read', async () => {
    tracker.current('ns');
    await tracker.refresh();
    stored.ns = '9.b';
    now += 250;
    await tracker.refresh();
    expect(tracker.current('ns')).toBe('9.b');
  });

  it('stops trusting its copy once no read confirmed it for maxAgeMs', async () => {
    tracker.current('ns');
    await tracker.refresh();
    failing = true;
    now += 700;
    await tracker.refresh();
    expect(tracker.current('ns')).toBe('5.a');
    now += 51;
    expect(tracker.current('ns')).toBeNull();
    failing = false;
    await tracker.refresh();
    expect(tracker.current('ns')).toBe('5.a');
  });

  it('dates a confirmation from when its read was sent, not when it came back', async () => {
    let release!: () => void;
    const slow = new GenerationTracker(
      () =>
        new Promise((resolve) => {
          release = () => resolve(['5.a']);
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

  it('ignores an older value from a read overtaken by a newer bump', () => {
    tracker.advance('ns', '5.a');
    const token = tracker.token('ns');
    tracker.advance('ns', '6.b');
    expect(tracker.observe('ns', '5.a', token)).toBe(false);
    expect(tracker.current('ns')).toBeNull(); // 6.b is not confirmed by any read yet
    expect(tracker.observe('ns', '6.b', tracker.token('ns'))).toBe(true);
    expect(tracker.current('ns')).toBe('6.b');
    expect(resets).toEqual([]);
  });

  it('never follows the store back: a lost or older generation is a reset, not adopted', async () => {
    tracker.current('ns');
    await tracker.refresh();
    stored.ns = null; // restarted empty, or the key was evicted
    await tracker.refresh();
    expect(tracker.current('ns')).toBeNull();
    expect(resets).toEqual(['ns']);
    stored.ns = '3.z'; // a replica that lacked the last bumps
    expect(tracker.observe('ns', '3.z', tracker.token('ns'))).toBe(false);
    expect(tracker.current('ns')).toBeNull();
    expect(tracker.floor('ns')).toBe(6);
  });

  it('treats the same order with another id as another generation of the past', async () => {
    tracker.current('ns');
    await tracker.refresh();
    expect(tracker.observe('ns', '5.other', tracker.token('ns'))).toBe(false);
    expect(tracker.current('ns')).toBeNull();
    expect(resets).toEqual(['ns']);
    tracker.advance('ns', '6.new');
    expect(tracker.observe('ns', '6.new', tracker.token('ns'))).toBe(true);
    expect(tracker.current('ns')).toBe('6.new');
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
