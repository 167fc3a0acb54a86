import { SingleFlight } from './single-flight';

describe(SingleFlight.name, () => {
  it('runs the work once for concurrent callers of one key and shares the result', async () => {
    const flight = new SingleFlight<number>();
    let runs = 0;
    let release!: (value: number) => void;
    const work = () => {
      runs += 1;
      return new Promise<number>((resolve) => (release = resolve));
    };
    const callers = Array.from({ length: 50 }, () => flight.run('k', work));
    release(7);
    await expect(Promise.all(callers)).resolves.toEqual(Array(50).fill(7));
    expect(runs).toBe(1);
    expect(flight.size).toBe(0);
  });

  it('shares a failure and starts afresh afterwards', async () => {
    const flight = new SingleFlight<number>();
    const failing = () => Promise.reject(new Error('boom'));
    await expect(Promise.all([flight.run('k', failing), flight.run('k', failing)])).rejects.toThrow(
      'boom',
    );
    await expect(flight.run('k', () => Promise.resolve(1))).resolves.toBe(1);
  });

  it('keeps different keys apart', async () => {
    const flight = new SingleFlight<string>();
    const results = await Promise.all([
      flight.run('a', () => Promise.resolve('a')),
      flight.run('b', () => Promise.resolve('b')),
    ]);
    expect(results).toEqual(['a', 'b']);
  });
});
