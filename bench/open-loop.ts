import { Agent, request } from 'node:http';
import type { ClientAddresses } from './clients';
import { LoadResult, Samples } from './load';

export interface OpenLoopSpec {
  readonly url: string;
  readonly nextPath: () => string;
  /** Requests started per second, whatever the answers take. */
  readonly rate: number;
  readonly durationS: number;
  readonly clients?: ClientAddresses;
  /** Keep-alive connections at most; requests beyond them wait (and that wait counts). */
  readonly maxConnections: number;
  readonly onHeaders?: (status: number, headers: Record<string, string>) => void;
  readonly progress?: { completed: number };
}

const TICK_MS = 2;
const TIMEOUT_MS = 10_000;

/**
 * Open-loop load: request n is due at n ÷ rate seconds after the start and is sent then,
 * whether or not earlier ones have been answered; its latency runs from when it was due
 * (so a stall is not hidden by sending less, as a closed loop does). autocannon's
 * `overallRate` is not this: each connection sends its per-second quota back to back and
 * then waits for the next second, a burst at full speed every second.
 */
export async function runOpenLoop(spec: OpenLoopSpec): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: spec.maxConnections });
  const base = new URL(spec.url);
  const samples = new Samples();
  const progress = spec.progress ?? { completed: 0 };
  progress.completed = 0;
  const statusCodes: Record<string, number> = {};
  let errors = 0;
  let timeouts = 0;
  let non2xx = 0;
  let sent = 0;
  const pending = new Set<Promise<void>>();
  const started = performance.now();
  const endAt = started + spec.durationS * 1000;

  const send = (dueAt: number): Promise<void> =>
    new Promise((resolve) => {
      const headers: Record<string, string> = spec.clients
        ? { 'x-forwarded-for': spec.clients.next() }
        : {};
      const req = request(
        {
          agent,
          host: base.hostname,
          port: base.port,
          path: spec.nextPath(),
          headers,
          timeout: TIMEOUT_MS,
        },
        (res) => {
          res.on('data', () => undefined);
          res.on('end', () => {
            const status = res.statusCode ?? 0;
            statusCodes[status] = (statusCodes[status] ?? 0) + 1;
            progress.completed += 1;
            if (status >= 200 && status < 300) {
              samples.add(performance.now() - dueAt);
            } else {
              non2xx += 1;
            }
            spec.onHeaders?.(status, res.headers as Record<string, string>);
            resolve();
          });
        },
      );
      req.on('timeout', () => {
        timeouts += 1;
        req.destroy(new Error('timeout'));
      });
      req.on('error', () => {
        errors += 1;
        resolve();
      });
      req.end();
    });

  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Math.min(performance.now(), endAt);
      const due = Math.floor(((now - started) / 1000) * spec.rate);
      while (sent < due) {
        const dueAt = started + (sent * 1000) / spec.rate;
        sent += 1;
        const work = send(dueAt);
        pending.add(work);
        void work.then(() => pending.delete(work));
      }
      if (now >= endAt) {
        clearInterval(timer);
        resolve();
      }
    }, TICK_MS);
  });
  await Promise.all([...pending]);
  const elapsedS = (performance.now() - started) / 1000;
  agent.destroy();
  const latency = samples.summary();
  const round = (value: number, digits = 2): number =>
    Math.round(value * 10 ** digits) / 10 ** digits;
  return {
    requests: progress.completed,
    rps: round(progress.completed / elapsedS, 0),
    latencyMs: { p50: round(latency.p50), p95: round(latency.p95), p99: round(latency.p99) },
    meanMs: round(latency.mean),
    maxMs: round(latency.max),
    non2xx,
    statusCodes,
    errors,
    timeouts,
    durationS: round(elapsedS),
  };
}
