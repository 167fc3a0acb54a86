import autocannon from 'autocannon';
import type { ClientAddresses } from './clients';

/** What one scenario sends: a fixed path, or a new path for every request. */
export interface LoadSpec {
  readonly name: string;
  readonly url: string;
  readonly nextPath: () => string;
  readonly connections: number;
  readonly durationS: number;
  /** Each request as the next of these clients (X-Forwarded-For). */
  readonly clients?: ClientAddresses;
  /** Told of every response's status and headers (makes autocannon keep the body). */
  readonly onHeaders?: (status: number, headers: Record<string, string>) => void;
  /** Counts completed responses while the load runs (read by the sampler). */
  readonly progress?: { completed: number };
}

export interface LoadResult {
  readonly requests: number;
  readonly rps: number;
  readonly latencyMs: { readonly p50: number; readonly p95: number; readonly p99: number };
  readonly meanMs: number;
  readonly maxMs: number;
  readonly non2xx: number;
  readonly statusCodes: Record<string, number>;
  readonly errors: number;
  readonly timeouts: number;
  readonly durationS: number;
}

const REQUEST_TIMEOUT_S = 10;

/** Growable list of float latencies (autocannon's own histogram keeps whole milliseconds). */
export class Samples {
  private values = new Float64Array(1 << 16);
  private length = 0;

  add(value: number): void {
    if (this.length === this.values.length) {
      const bigger = new Float64Array(this.values.length * 2);
      bigger.set(this.values);
      this.values = bigger;
    }
    this.values[this.length] = value;
    this.length += 1;
  }

  summary(): { p50: number; p95: number; p99: number; mean: number; max: number } {
    const sorted = this.values.slice(0, this.length).sort();
    const at = (p: number): number =>
      sorted.length === 0
        ? NaN
        : sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    const total = sorted.reduce((sum, v) => sum + v, 0);
    return {
      p50: at(0.5),
      p95: at(0.95),
      p99: at(0.99),
      mean: total / Math.max(1, sorted.length),
      max: sorted.length === 0 ? NaN : sorted[sorted.length - 1],
    };
  }
}

const round = (value: number, digits = 2): number =>
  Math.round(value * 10 ** digits) / 10 ** digits;

/** Runs one fixed-duration autocannon load and summarises it (latencies of 2xx only). */
export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const samples = new Samples();
  const progress = spec.progress ?? { completed: 0 };
  progress.completed = 0;
  const { clients, onHeaders } = spec;
  const instance = autocannon({
    url: spec.url,
    title: spec.name,
    connections: spec.connections,
    duration: spec.durationS,
    timeout: REQUEST_TIMEOUT_S,
    requests: [
      {
        method: 'GET',
        setupRequest: (request) => {
          request.path = spec.nextPath();
          if (clients) {
            request.headers = { 'x-forwarded-for': clients.next() };
          }
          return request;
        },
        ...(onHeaders
          ? {
              onResponse: (
                status: number,
                _body: string,
                _c: unknown,
                headers: Record<string, string>,
              ) => onHeaders(status, headers),
            }
          : {}),
      },
    ],
  });
  instance.on('response', (_client: unknown, statusCode: number, _bytes: number, ms: number) => {
    progress.completed += 1;
    if (statusCode >= 200 && statusCode < 300) {
      samples.add(ms);
    }
  });
  const result = await instance;
  const latency = samples.summary();
  const statusCodes = Object.fromEntries(
    Object.entries(result.statusCodeStats).map(([code, { count }]) => [code, Number(count)]),
  );
  const completed = progress.completed;
  return {
    requests: completed,
    rps: round(completed / result.duration, 0),
    latencyMs: { p50: round(latency.p50), p95: round(latency.p95), p99: round(latency.p99) },
    meanMs: round(latency.mean),
    maxMs: round(latency.max),
    non2xx: result.non2xx,
    statusCodes,
    errors: result.errors,
    timeouts: result.timeouts,
    durationS: round(result.duration, 2),
  };
}
