import { setTimeout as sleep } from 'node:timers/promises';
import { createTestEnv, TestEnv } from '../support/test-env';
import { FaultsWorld, report, startWorld } from './support/fixture';
import { ServiceInstance } from './support/service';

const SLOW_MS = 1_500;

/**
 * Requests in flight are the requests in flight. A request whose client hung up is no
 * longer counted; SIGTERM with nothing in flight exits 0 within a second; with requests in
 * flight it waits for exactly those, at most SHUTDOWN_TIMEOUT_MS; more SIGINT/SIGTERM
 * during the drain are logged and do not cut it short.
 */
describe('Faults: clients that hang up, and shutdown signals', () => {
  let world: FaultsWorld;
  let env: TestEnv;
  const measured: Record<string, number> = {};
  const started: ServiceInstance[] = [];

  beforeAll(async () => {
    world = await startWorld({ LOG_LEVEL: 'info' });
    env = createTestEnv(world.baseEnv);
    // Partner items that answer slowly, or never (the service gives up after its deadline).
    for (let i = 0; i < 60; i++) {
      world.sim.setFault({ itemId: `slow-${i}`, mode: 'latency', latencyMs: SLOW_MS });
    }
    world.sim.setFault({ itemId: 'stuck-1', mode: 'hang' });
  });

  afterAll(async () => {
    // An instance a failed assertion left running.
    await Promise.all(started.map((instance) => instance.kill9()));
    report('shutdown timings (ms)', measured);
    await world?.sim.stop();
    await env?.cleanup();
  });

  async function start(extra: Record<string, string> = {}): Promise<ServiceInstance> {
    const instance = await ServiceInstance.start({ ...env.vars, LOG_LEVEL: 'info', ...extra });
    started.push(instance);
    return instance;
  }

  /** What the service logged when the shutdown began: how many requests it waits for. */
  function inFlightAtShutdown(instance: ServiceInstance): number | null {
    const match = /Shutting down \(\w+\), (\d+) request\(s\) in flight/.exec(instance.output());
    return match ? Number(match[1]) : null;
  }

  /** Signals `signal` and resolves with the exit and how long it took. */
  async function signalAndWait(
    instance: ServiceInstance,
    signal: NodeJS.Signals,
    limitMs: number,
  ): Promise<{ code: number | null; signal: NodeJS.Signals | null; ms: number }> {
    const sent = Date.now();
    instance.signal(signal);
    const exit = await Promise.race([instance.exited, sleep(limitMs).then(() => null)]);
    if (exit === null) {
      await instance.kill9();
      return { code: null, signal: null, ms: Number.POSITIVE_INFINITY };
    }
    return { ...exit, ms: Date.now() - sent };
  }

  it('exits 0 within 1 s on SIGTERM when nothing is in flight', async () => {
    const instance = await start();
    for (let i = 0; i < 5; i++) {
      expect((await fetch(`${instance.url}/health/live`)).status).toBe(200);
    }
    const exit = await signalAndWait(instance, 'SIGTERM', 10_000);
    measured['idle exit'] = exit.ms;
    expect(inFlightAtShutdown(instance)).toBe(0);
    expect({ code: exit.code, within1s: exit.ms <= 1_000 }).toEqual({ code: 0, within1s: true });
  });

  it('no longer counts requests whose clients hung up', async () => {
    const instance = await start();
    const aborted = Array.from({ length: 50 }, async (_, i) => {
      const controller = new AbortController();
      const pending = fetch(`${instance.url}/external/items/slow-${i}`, {
        signal: controller.signal,
      });
      await sleep(200);
      controller.abort();
      await pending.catch(() => undefined);
    });
    await Promise.all(aborted);
    // The handlers are still waiting on the partner; their clients are gone. The only
    // request in flight is the scrape itself.
    await sleep(200);
    const metrics = await (await fetch(`${instance.url}/metrics`)).text();
    expect(metrics).toMatch(/^http_requests_in_flight 1$/m);
    const exit = await signalAndWait(instance, 'SIGTERM', 10_000);
    measured['exit after 50 hang-ups'] = exit.ms;
    expect(inFlightAtShutdown(instance)).toBe(0);
    expect({ code: exit.code, within1s: exit.ms <= 1_000 }).toEqual({ code: 0, within1s: true });
  });

  it('waits for exactly the requests in flight, and answers them', async () => {
    const instance = await start();
    const slow = [0, 1, 2].map((i) =>
      fetch(`${instance.url}/external/items/slow-${50 + i}`).then((res) => res.status),
    );
    await sleep(300);
    const exit = signalAndWait(instance, 'SIGTERM', 10_000);
    expect(await Promise.all(slow)).toEqual([200, 200, 200]);
    const { code, ms } = await exit;
    measured['exit with 3 slow requests in flight'] = ms;
    expect(inFlightAtShutdown(instance)).toBe(3);
    expect(code).toBe(0);
    // It waited for them (they needed ~1.2 s more), and not much longer.
    expect(ms).toBeGreaterThanOrEqual(SLOW_MS - 400);
    expect(ms).toBeLessThanOrEqual(SLOW_MS + 1_000);
  });

  it('stops waiting after SHUTDOWN_TIMEOUT_MS for a request that does not finish', async () => {
    const instance = await start({ SHUTDOWN_TIMEOUT_MS: '1000' });
    const stuck = fetch(`${instance.url}/external/items/stuck-1`).catch(() => null);
    await sleep(300);
    const exit = await signalAndWait(instance, 'SIGTERM', 10_000);
    measured['exit with a stuck request, SHUTDOWN_TIMEOUT_MS=1000'] = exit.ms;
    await stuck;
    expect(inFlightAtShutdown(instance)).toBe(1);
    // The drain gives up at 1 s; closing the server then does not wait for the request.
    expect({ code: exit.code, withinTimeout: exit.ms <= 1_000 + 1_000 }).toEqual({
      code: 0,
      withinTimeout: true,
    });
  });

  it('logs a second and third SIGINT/SIGTERM during the drain and keeps draining', async () => {
    const instance = await start();
    const slow = fetch(`${instance.url}/external/items/slow-55`).then(
      (res) => res.status,
      (error: Error) => `failed: ${error.message}`,
    );
    await sleep(300);
    const exit = signalAndWait(instance, 'SIGTERM', 10_000);
    await sleep(100);
    instance.signal('SIGINT');
    await sleep(100);
    instance.signal('SIGTERM');
    expect(await slow).toBe(200);
    const { code, signal, ms } = await exit;
    measured['exit after SIGTERM, SIGINT, SIGTERM with a slow request'] = ms;
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(instance.output()).toMatch(/SIGINT received while shutting down/);
    expect(instance.output()).toMatch(/SIGTERM received while shutting down/);
  });
});
