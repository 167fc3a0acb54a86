import { keepLeaseAlive } from './lease-heartbeat';

describe('keepLeaseAlive', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('renews every interval, one renewal at a time, until stopped', async () => {
    let finish: () => void = () => undefined;
    const renew = jest.fn(() => new Promise<void>((resolve) => (finish = resolve)));
    const stop = keepLeaseAlive(renew, 1_000);
    expect(renew).not.toHaveBeenCalled();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(renew).toHaveBeenCalledTimes(1);
    // A slow renewal is not overlapped by the next one.
    await jest.advanceTimersByTimeAsync(3_000);
    expect(renew).toHaveBeenCalledTimes(1);
    finish();
    await jest.advanceTimersByTimeAsync(1_000);
    expect(renew).toHaveBeenCalledTimes(2);
    stop();
    finish();
    await jest.advanceTimersByTimeAsync(5_000);
    expect(renew).toHaveBeenCalledTimes(2);
  });

  it('keeps renewing after a failed renewal', async () => {
    const renew = jest.fn().mockRejectedValueOnce(new Error('down')).mockResolvedValue(undefined);
    const stop = keepLeaseAlive(renew, 1_000);
    await jest.advanceTimersByTimeAsync(2_000);
    expect(renew).toHaveBeenCalledTimes(2);
    stop();
  });
});
