import {
  CircuitBreaker,
  CircuitBreakerOptions,
  CircuitPermit,
  CircuitState,
} from './circuit-breaker';

function setup(overrides: Partial<CircuitBreakerOptions> = {}) {
  const clock = { now: 1_000_000 };
  const transitions: string[] = [];
  const breaker = new CircuitBreaker({
    windowMs: 10_000,
    minCalls: 4,
    failureRatio: 0.5,
    openMs: 5_000,
    now: () => clock.now,
    onTransition: (from: CircuitState, to: CircuitState) => transitions.push(`${from}->${to}`),
    ...overrides,
  });
  const acquire = (): CircuitPermit => {
    const result = breaker.tryAcquire();
    if (!result.allowed) {
      throw new Error('refused');
    }
    return result.permit;
  };
  const call = (outcome: 'success' | 'failure' | 'ignored') => acquire().record(outcome);
  return { clock, transitions, breaker, acquire, call };
}

describe(CircuitBreaker.name, () => {
  it('stays closed below the minimum number of calls, however many fail', () => {
    const { breaker, call } = setup();
    call('failure');
    call('failure');
    call('failure');
    expect(breaker.currentState).toBe('closed');
    call('failure');
    expect(breaker.currentState).toBe('open');
  });

  it('opens when the failure ratio reaches the threshold exactly', () => {
    const { breaker, call, transitions } = setup();
    call('success');
    call('success');
    call('failure');
    expect(breaker.currentState).toBe('closed');
    call('failure');
    expect(breaker.currentState).toBe('open');
    expect(transitions).toEqual(['closed->open']);
  });

  it('stays closed while the failure ratio is below the threshold', () => {
    const { breaker, call } = setup();
    for (let i = 0; i < 6; i += 1) {
      call('success');
    }
    for (let i = 0; i < 5; i += 1) {
      call('failure');
    }
    expect(breaker.stats()).toEqual({ calls: 11, failures: 5 });
    expect(breaker.currentState).toBe('closed');
  });

  it('does not count ignored outcomes (429, abandoned calls)', () => {
    const { breaker, call } = setup();
    for (let i = 0; i < 10; i += 1) {
      call('ignored');
    }
    call('failure');
    call('failure');
    call('failure');
    expect(breaker.stats()).toEqual({ calls: 3, failures: 3 });
    expect(breaker.currentState).toBe('closed');
  });

  it('forgets calls that have left the rolling window', () => {
    const { breaker, call, clock } = setup();
    call('failure');
    call('failure');
    call('failure');
    clock.now += 10_000;
    expect(breaker.stats()).toEqual({ calls: 0, failures: 0 });
    call('failure');
    expect(breaker.currentState).toBe('closed');
  });

  it('keeps calls that are still inside the window after a partial slide', () => {
    const { breaker, call, clock } = setup();
    call('failure');
    call('failure');
    clock.now += 5_000;
    call('failure');
    call('failure');
    expect(breaker.currentState).toBe('open');
  });

  it('fails fast while open, with the time left as retry-after', () => {
    const { breaker, call, clock } = setup({ minCalls: 1 });
    call('failure');
    clock.now += 2_000;
    expect(breaker.tryAcquire()).toEqual({ allowed: false, retryAfterMs: 3_000 });
    expect(breaker.currentState).toBe('open');
  });

  it('lets exactly one trial through after openMs and closes on its success', () => {
    const { breaker, call, acquire, clock, transitions } = setup({ minCalls: 1 });
    call('failure');
    clock.now += 5_000;
    expect(breaker.currentState).toBe('half_open');
    const trial = acquire();
    expect(breaker.tryAcquire()).toEqual({ allowed: false, retryAfterMs: 1_000 });
    trial.record('success');
    expect(breaker.currentState).toBe('closed');
    expect(breaker.stats()).toEqual({ calls: 0, failures: 0 });
    expect(breaker.tryAcquire().allowed).toBe(true);
    expect(transitions).toEqual(['closed->open', 'open->half_open', 'half_open->closed']);
  });

  it('re-opens when the trial fails, for another full openMs', () => {
    const { breaker, call, acquire, clock, transitions } = setup({ minCalls: 1 });
    call('failure');
    clock.now += 5_000;
    acquire().record('failure');
    expect(breaker.currentState).toBe('open');
    clock.now += 4_999;
    expect(breaker.tryAcquire().allowed).toBe(false);
    clock.now += 1;
    expect(breaker.tryAcquire().allowed).toBe(true);
    expect(transitions).toEqual([
      'closed->open',
      'open->half_open',
      'half_open->open',
      'open->half_open',
    ]);
  });

  it('frees the trial slot without deciding when the trial outcome is ignored', () => {
    const { breaker, call, acquire, clock } = setup({ minCalls: 1 });
    call('failure');
    clock.now += 5_000;
    acquire().record('ignored');
    expect(breaker.currentState).toBe('half_open');
    acquire().record('success');
    expect(breaker.currentState).toBe('closed');
  });

  it('does not stay wedged half-open when a trial never reports', () => {
    const { breaker, call, acquire, clock } = setup({ minCalls: 1 });
    call('failure');
    clock.now += 5_000;
    acquire();
    clock.now += 4_999;
    expect(breaker.tryAcquire().allowed).toBe(false);
    clock.now += 1;
    acquire().record('success');
    expect(breaker.currentState).toBe('closed');
  });

  it('ignores late reports from calls admitted before the circuit opened', () => {
    const { breaker, call, acquire, clock } = setup({ minCalls: 1 });
    const early = acquire();
    call('failure');
    early.record('success');
    expect(breaker.currentState).toBe('open');
    clock.now += 5_000;
    const trial = acquire();
    early.record('failure');
    trial.record('success');
    expect(breaker.currentState).toBe('closed');
  });

  it('counts a permit once even when it is recorded twice', () => {
    const { breaker, acquire } = setup();
    const permit = acquire();
    permit.record('failure');
    permit.record('failure');
    expect(breaker.stats()).toEqual({ calls: 1, failures: 1 });
  });
});
