import { Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { PartnerUnavailableError } from '../external.errors';
import {
  BackoffOptions,
  Deadline,
  DEFAULT_BACKOFF,
  fullJitterDelay,
  parseRetryAfter,
} from './backoff';
import { CallOutcome, CircuitBreaker } from './circuit-breaker';

/** An HTTP answer from the partner, whatever its status. */
export interface RawResponse {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | undefined>>;
  readonly body: string;
}

/** How an attempt ended, for metrics. */
export type AttemptOutcome =
  | 'success'
  | 'client_error'
  | 'unauthorized'
  | 'throttled'
  | 'server_error'
  | 'network_error'
  | 'timeout';

export interface PolicyObserver {
  attempt(outcome: AttemptOutcome): void;
  retry(): void;
}

export interface ResiliencePolicyOptions {
  readonly timeoutMs: number;
  readonly deadlineMs: number;
  readonly maxAttempts: number;
  readonly backoff?: BackoffOptions;
  /** No attempt starts with less budget than this left. */
  readonly minAttemptMs?: number;
  readonly breaker: CircuitBreaker;
  readonly observer?: PolicyObserver;
  readonly random?: () => number;
}

/** One logical call: `prepare` gets what every attempt needs (the bearer token). */
export interface ResilientCall<C> {
  /** Whether repeating the call is safe (GET, or a POST carrying an idempotency key). */
  readonly idempotent: boolean;
  prepare(): Promise<C>;
  /** Sends one attempt; must stop when `signal` aborts. Resolves with any HTTP status. */
  send(context: C, signal: AbortSignal): Promise<RawResponse>;
  /** Called on the first 401, before the single re-authenticated attempt. */
  onUnauthorized?(context: C): Promise<void>;
}

const DEFAULT_MIN_ATTEMPT_MS = 50;
/** Retry-After we give when the partner gave none. */
const FALLBACK_RETRY_AFTER_MS = 1_000;

class AttemptTimeoutError extends Error {
  constructor(ms: number) {
    super(`Partner attempt timed out after ${ms} ms`);
    this.name = 'AttemptTimeoutError';
  }
}

type Classified =
  | { kind: 'final'; response: RawResponse; outcome: AttemptOutcome }
  | { kind: 'unauthorized'; response: RawResponse }
  | { kind: 'retryable'; retryAfterMs?: number; outcome: AttemptOutcome };

/**
 * Every partner call goes through here; the layers, outer to inner, are
 * deadline → retry (with backoff and Retry-After) → circuit breaker → attempt timeout.
 * Retries happen in this layer only.
 */
export class ResiliencePolicy {
  private readonly logger = new Logger(ResiliencePolicy.name);

  constructor(private readonly options: ResiliencePolicyOptions) {}

  async execute<C>(call: ResilientCall<C>): Promise<RawResponse> {
    const deadline = new Deadline(this.options.deadlineMs);
    const minAttemptMs = this.options.minAttemptMs ?? DEFAULT_MIN_ATTEMPT_MS;
    let context = await this.withinDeadline(call.prepare(), deadline);
    let reauthenticated = false;
    let attempts = 0;
    for (;;) {
      if (deadline.remainingMs() < minAttemptMs) {
        throw new PartnerUnavailableError('deadline', FALLBACK_RETRY_AFTER_MS);
      }
      const result = await this.attempt(call, context, deadline);
      if (result.kind === 'final') {
        return result.response;
      }
      if (result.kind === 'unauthorized') {
        if (reauthenticated || !call.onUnauthorized) {
          return result.response;
        }
        reauthenticated = true;
        await this.withinDeadline(call.onUnauthorized(context), deadline);
        context = await this.withinDeadline(call.prepare(), deadline);
        continue;
      }
      attempts += 1;
      if (!call.idempotent || attempts >= this.options.maxAttempts) {
        throw new PartnerUnavailableError(
          'exhausted',
          result.retryAfterMs ?? FALLBACK_RETRY_AFTER_MS,
        );
      }
      await this.waitBeforeRetry(attempts, result.retryAfterMs, deadline, minAttemptMs);
      this.options.observer?.retry();
    }
  }

  private async waitBeforeRetry(
    retry: number,
    retryAfterMs: number | undefined,
    deadline: Deadline,
    minAttemptMs: number,
  ): Promise<void> {
    if (retryAfterMs !== undefined) {
      if (!deadline.allowsWait(retryAfterMs, minAttemptMs)) {
        throw new PartnerUnavailableError('retry_after', retryAfterMs);
      }
      await sleep(retryAfterMs);
      return;
    }
    const delay = fullJitterDelay(
      retry,
      this.options.backoff ?? DEFAULT_BACKOFF,
      this.options.random,
    );
    if (!deadline.allowsWait(delay, minAttemptMs)) {
      throw new PartnerUnavailableError('deadline', FALLBACK_RETRY_AFTER_MS);
    }
    await sleep(delay);
  }

  private async attempt<C>(
    call: ResilientCall<C>,
    context: C,
    deadline: Deadline,
  ): Promise<Classified> {
    const admission = this.options.breaker.tryAcquire();
    if (!admission.allowed) {
      throw new PartnerUnavailableError('circuit_open', admission.retryAfterMs);
    }
    const timeoutMs = Math.min(this.options.timeoutMs, deadline.remainingMs());
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(new AttemptTimeoutError(timeoutMs)), timeoutMs);
    let classified: Classified;
    try {
      const response = await call.send(context, controller.signal);
      classified = classify(response);
    } catch (error) {
      if (!controller.signal.aborted && !isTransportError(error)) {
        admission.permit.record('ignored');
        throw error;
      }
      const outcome = controller.signal.aborted ? 'timeout' : 'network_error';
      this.logger.warn(`Partner attempt failed: ${outcome}`);
      classified = { kind: 'retryable', outcome };
    } finally {
      clearTimeout(timer);
    }
    const outcome = classified.kind === 'unauthorized' ? 'unauthorized' : classified.outcome;
    admission.permit.record(breakerOutcome(outcome));
    this.options.observer?.attempt(outcome);
    return classified;
  }

  private async withinDeadline<T>(work: Promise<T>, deadline: Deadline): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new PartnerUnavailableError('deadline', FALLBACK_RETRY_AFTER_MS)),
        deadline.remainingMs(),
      );
    });
    try {
      return await Promise.race([work, expired]);
    } finally {
      clearTimeout(timer);
    }
  }
}

function classify(response: RawResponse): Classified {
  const { status } = response;
  if (status === 401) {
    return { kind: 'unauthorized', response };
  }
  if (status === 429 || status >= 500) {
    return {
      kind: 'retryable',
      retryAfterMs: parseRetryAfter(response.headers['retry-after']),
      outcome: status === 429 ? 'throttled' : 'server_error',
    };
  }
  return { kind: 'final', response, outcome: status < 400 ? 'success' : 'client_error' };
}

function breakerOutcome(outcome: AttemptOutcome): CallOutcome {
  switch (outcome) {
    case 'server_error':
    case 'network_error':
    case 'timeout':
      return 'failure';
    case 'throttled':
      return 'ignored';
    case 'success':
    case 'client_error':
    case 'unauthorized':
      return 'success';
  }
}

/** Errors that mean "no HTTP answer": refused, reset, DNS, TLS — as opposed to our bugs. */
export class TransportError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'TransportError';
  }
}

function isTransportError(error: unknown): boolean {
  return error instanceof TransportError;
}
