import { setTimeout as sleep } from 'node:timers/promises';
import { randomIp } from '../../support/contract-http';

/** One request the load driver sends. */
export interface LoadRequest {
  readonly base: string;
  readonly path: string;
  readonly method?: string;
  readonly headers?: Record<string, string>;
  readonly body?: string;
  /** A label for grouping answers (default: method and path without query). */
  readonly label?: string;
}

/** What a client saw: an HTTP answer, or none (reset, refused, or no answer in time). */
export type Outcome = 'answer' | 'reset' | 'refused' | 'hang';

export interface Observation {
  readonly label: string;
  readonly base: string;
  readonly method: string;
  readonly path: string;
  /** When the request was sent, ms since the driver started. */
  readonly sentAt: number;
  readonly durationMs: number;
  readonly outcome: Outcome;
  /** 0 unless outcome is `answer`. */
  readonly status: number;
  readonly contentType: string | null;
  readonly retryAfter: string | null;
  readonly cache: string | null;
  /** `type` of a problem+json body. */
  readonly problemType: string | null;
  /** The body (first 300 characters) of anything that is not a 2xx. */
  readonly detail: string | null;
  readonly error: string | null;
}

export interface LoadOptions {
  /** Concurrent clients, each sending one request after the other. */
  readonly concurrency: number;
  /** A request that has no answer after this long counts as a hang (and is abandoned). */
  readonly hangMs: number;
  /** Pause between a client's requests. */
  readonly pauseMs?: number;
}

/**
 * A small closed-loop load generator that records every answer: status, content type,
 * duration, Retry-After, and resets, refused connections and hangs. Each request comes
 * from a fresh client address (X-Forwarded-For) so rate limits do not shape the load.
 */
export class LoadDriver {
  readonly observations: Observation[] = [];
  private readonly startedAt = Date.now();
  private running = true;
  private readonly clients: Promise<void>[];

  constructor(
    private readonly next: (sequence: number) => LoadRequest,
    private readonly options: LoadOptions,
  ) {
    let sequence = 0;
    this.clients = Array.from({ length: options.concurrency }, async () => {
      while (this.running) {
        this.observations.push(await this.send(this.next((sequence += 1))));
        if (options.pauseMs) {
          await sleep(options.pauseMs);
        }
      }
    });
  }

  /** Milliseconds since the driver started (the clock of `sentAt`). */
  now(): number {
    return Date.now() - this.startedAt;
  }

  /** Stops sending, waits for the requests in flight, returns every observation. */
  async stop(): Promise<Observation[]> {
    this.running = false;
    await Promise.all(this.clients);
    return this.observations;
  }

  private async send(request: LoadRequest): Promise<Observation> {
    const method = request.method ?? 'GET';
    const label = request.label ?? `${method} ${request.path.split('?')[0]}`;
    const sentAt = this.now();
    const started = performance.now();
    const base = {
      label,
      base: request.base,
      method,
      path: request.path,
      sentAt,
    };
    try {
      const res = await fetch(`${request.base}${request.path}`, {
        method,
        headers: {
          'x-forwarded-for': randomIp(),
          ...(request.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...request.headers,
        },
        body: request.body,
        signal: AbortSignal.timeout(this.options.hangMs),
      });
      const text = await res.text();
      const contentType = res.headers.get('content-type');
      let problemType: string | null = null;
      if (contentType?.startsWith('application/problem+json')) {
        try {
          problemType = (JSON.parse(text) as { type?: string }).type ?? null;
        } catch {
          problemType = 'unparseable';
        }
      }
      return {
        ...base,
        durationMs: performance.now() - started,
        outcome: 'answer',
        status: res.status,
        contentType,
        retryAfter: res.headers.get('retry-after'),
        cache: res.headers.get('x-cache'),
        problemType,
        detail: res.status >= 300 ? text.slice(0, 300) : null,
        error: null,
      };
    } catch (error) {
      return {
        ...base,
        durationMs: performance.now() - started,
        outcome: classify(error),
        status: 0,
        contentType: null,
        retryAfter: null,
        cache: null,
        problemType: null,
        detail: null,
        error: describe(error),
      };
    }
  }
}

function classify(error: unknown): Outcome {
  const name = (error as Error).name;
  if (name === 'TimeoutError' || name === 'AbortError') {
    return 'hang';
  }
  const code = (error as { cause?: { code?: string } }).cause?.code;
  return code === 'ECONNREFUSED' ? 'refused' : 'reset';
}

function describe(error: unknown): string {
  const cause = (error as { cause?: { code?: string; message?: string } }).cause;
  return `${(error as Error).name}: ${(error as Error).message}${cause ? ` (${cause.code ?? cause.message})` : ''}`;
}

/** Observations that break "a 2xx, or a 503 problem+json, answered in time". */
export function violations(
  observations: readonly Observation[],
  options: { okStatuses?: readonly number[]; retryAfterOn503?: boolean } = {},
): Observation[] {
  const ok = options.okStatuses ?? [200];
  return observations.filter((o) => {
    if (o.outcome !== 'answer') {
      return true;
    }
    if (ok.includes(o.status)) {
      return false;
    }
    if (o.status !== 503 || !o.contentType?.startsWith('application/problem+json')) {
      return true;
    }
    return options.retryAfterOn503 === true && !/^\d+$/.test(o.retryAfter ?? '');
  });
}

/** A compact table of outcomes per label, for failure messages and the report. */
export function summarize(observations: readonly Observation[]): Record<string, unknown> {
  const byLabel: Record<string, Record<string, number>> = {};
  let slowest = 0;
  for (const o of observations) {
    const key = o.outcome === 'answer' ? String(o.status) : o.outcome;
    byLabel[o.label] ??= {};
    byLabel[o.label][key] = (byLabel[o.label][key] ?? 0) + 1;
    slowest = Math.max(slowest, o.durationMs);
  }
  return { total: observations.length, slowestMs: Math.round(slowest), byLabel };
}
