import { PartnerUnavailableError } from '../external.errors';
import { CircuitBreaker } from './circuit-breaker';
import {
  AttemptOutcome,
  RawResponse,
  ResiliencePolicy,
  ResiliencePolicyOptions,
  ResilientCall,
  TransportError,
} from './resilience-policy';

const answer = (status: number, headers: Record<string, string> = {}): RawResponse => ({
  status,
  headers,
  body: '',
});

function policyWith(overrides: Partial<ResiliencePolicyOptions> = {}) {
  const attempts: AttemptOutcome[] = [];
  let retries = 0;
  const policy = new ResiliencePolicy({
    timeoutMs: 200,
    deadlineMs: 2_000,
    maxAttempts: 3,
    backoff: { baseMs: 1, capMs: 2 },
    minAttemptMs: 10,
    breaker: new CircuitBreaker({
      windowMs: 10_000,
      minCalls: 100,
      failureRatio: 0.5,
      openMs: 1_000,
    }),
    observer: { attempt: (outcome) => attempts.push(outcome), retry: () => (retries += 1) },
    ...overrides,
  });
  return { policy, attempts, retries: () => retries };
}

/** A call whose attempts answer, in turn, the given responses or errors. */
function scripted(
  steps: (RawResponse | Error | 'hang')[],
  options: { idempotent?: boolean; onUnauthorized?: boolean } = {},
) {
  const tokens: string[] = [];
  const invalidated: string[] = [];
  let prepared = 0;
  let sent = 0;
  const call: ResilientCall<string> = {
    idempotent: options.idempotent ?? true,
    prepare: () => Promise.resolve(`token-${(prepared += 1)}`),
    send: (token, signal) => {
      tokens.push(token);
      const step = steps[Math.min(sent, steps.length - 1)];
      sent += 1;
      if (step === 'hang') {
        return new Promise((_, reject) =>
          signal.addEventListener('abort', () => reject(new TransportError('aborted'))),
        );
      }
      return step instanceof Error ? Promise.reject(step) : Promise.resolve(step);
    },
    ...(options.onUnauthorized === false
      ? {}
      : { onUnauthorized: (token: string) => Promise.resolve(void invalidated.push(token)) }),
  };
  return { call, tokens, invalidated, sent: () => sent };
}

describe(ResiliencePolicy.name, () => {
  it('returns the first final answer, success or client error, without retrying', async () => {
    const { policy, attempts } = policyWith();
    await expect(policy.execute(scripted([answer(200)]).call)).resolves.toMatchObject({
      status: 200,
    });
    await expect(policy.execute(scripted([answer(404)]).call)).resolves.toMatchObject({
      status: 404,
    });
    expect(attempts).toEqual(['success', 'client_error']);
  });

  it('retries 5xx, 429 and network errors of an idempotent call up to maxAttempts', async () => {
    const { policy, attempts, retries } = policyWith();
    const run = scripted([answer(503), new TransportError('reset'), answer(200)]);
    await expect(policy.execute(run.call)).resolves.toMatchObject({ status: 200 });
    expect(attempts).toEqual(['server_error', 'network_error', 'success']);
    expect(retries()).toBe(2);

    const exhausted = scripted([answer(500)]);
    await expect(policy.execute(exhausted.call)).rejects.toMatchObject({
      reason: 'exhausted',
      status: 503,
    });
    expect(exhausted.sent()).toBe(3);
  });

  it('never repeats a call that is not idempotent', async () => {
    const { policy } = policyWith();
    const run = scripted([answer(502), answer(200)], { idempotent: false });
    await expect(policy.execute(run.call)).rejects.toBeInstanceOf(PartnerUnavailableError);
    expect(run.sent()).toBe(1);
  });

  it('waits for a Retry-After that fits the deadline, and gives up on one that does not', async () => {
    const { policy } = policyWith();
    const fits = scripted([answer(429, { 'retry-after': '0' }), answer(200)]);
    await expect(policy.execute(fits.call)).resolves.toMatchObject({ status: 200 });

    const tooLate = scripted([answer(503, { 'retry-after': '60' })]);
    const error = await policy.execute(tooLate.call).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'retry_after', headers: { 'Retry-After': '60' } });
    expect(tooLate.sent()).toBe(1);
  });

  it('re-authenticates once on 401 and then returns the answer', async () => {
    const { policy, attempts } = policyWith();
    const run = scripted([answer(401), answer(200)]);
    await expect(policy.execute(run.call)).resolves.toMatchObject({ status: 200 });
    expect(run.invalidated).toEqual(['token-1']);
    expect(run.tokens).toEqual(['token-1', 'token-2']);
    expect(attempts).toEqual(['unauthorized', 'success']);

    const twice = scripted([answer(401)]);
    await expect(policy.execute(twice.call)).resolves.toMatchObject({ status: 401 });
    expect(twice.sent()).toBe(2);
  });

  it('aborts an attempt at its timeout and counts it as a timeout', async () => {
    const { policy, attempts } = policyWith({ timeoutMs: 20 });
    const run = scripted(['hang', answer(200)]);
    await expect(policy.execute(run.call)).resolves.toMatchObject({ status: 200 });
    expect(attempts).toEqual(['timeout', 'success']);
  });

  it('stops at the overall deadline', async () => {
    const { policy } = policyWith({ timeoutMs: 50, deadlineMs: 120, maxAttempts: 10 });
    const run = scripted(['hang']);
    await expect(policy.execute(run.call)).rejects.toMatchObject({ reason: 'deadline' });
    expect(run.sent()).toBeLessThan(10);
  });

  it('does not call the partner while the circuit is open', async () => {
    const breaker = new CircuitBreaker({
      windowMs: 10_000,
      minCalls: 2,
      failureRatio: 0.5,
      openMs: 60_000,
    });
    const { policy } = policyWith({ breaker, maxAttempts: 1 });
    await policy.execute(scripted([answer(500)]).call).catch(() => undefined);
    await policy.execute(scripted([answer(500)]).call).catch(() => undefined);
    const run = scripted([answer(200)]);
    await expect(policy.execute(run.call)).rejects.toMatchObject({ reason: 'circuit_open' });
    expect(run.sent()).toBe(0);
  });

  it('lets an error of our own through unchanged instead of retrying it', async () => {
    const { policy, attempts } = policyWith();
    const bug = new TypeError('bug');
    const run = scripted([bug]);
    await expect(policy.execute(run.call)).rejects.toBe(bug);
    expect(run.sent()).toBe(1);
    expect(attempts).toEqual([]);
  });
});
