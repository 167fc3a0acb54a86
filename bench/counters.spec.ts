import {
  counterDelta,
  cpuMsFromStat,
  median,
  parseCommandStats,
  parseStatusRows,
  perRequest,
  Sample,
} from './counters';

describe('parseCommandStats', () => {
  it('reads the calls of every cmdstat line, by lower-case command name', () => {
    const info = [
      '# Commandstats',
      'cmdstat_evalsha:calls=3531,usec=80666,usec_per_call=22.85,rejected_calls=0,failed_calls=0',
      'cmdstat_get:calls=1099,usec=4938,usec_per_call=4.49,rejected_calls=0,failed_calls=0',
      'cmdstat_client|setname:calls=7,usec=9,usec_per_call=1.29,rejected_calls=0,failed_calls=0',
      '',
    ].join('\r\n');
    expect(parseCommandStats(info)).toEqual({ evalsha: 3531, get: 1099, 'client|setname': 7 });
  });
});

describe('parseStatusRows', () => {
  it('keeps the wanted counters only, case-insensitively, as numbers', () => {
    const rows = [
      { Variable_name: 'Com_select', Value: '120' },
      { Variable_name: 'Com_show_status', Value: '9' },
      { Variable_name: 'Com_stmt_execute', Value: '4' },
    ];
    expect(parseStatusRows(rows)).toEqual({ com_select: 120, com_stmt_execute: 4 });
  });
});

describe('counterDelta', () => {
  it('subtracts, counts new keys from zero and drops unchanged ones', () => {
    expect(counterDelta({ a: 5, b: 2 }, { a: 9, b: 2, c: 3 })).toEqual({ a: 4, c: 3 });
  });
});

describe('median', () => {
  it('is the middle value, or the mean of the two middle ones, ignoring NaN', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([NaN, 7])).toBe(7);
    expect(median([])).toBeNull();
  });
});

describe('cpuMsFromStat', () => {
  it('adds utime and stime (fields 14 and 15), even with spaces in the command name', () => {
    const stat = '1234 (node my app) S 1 1234 1234 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 11 0';
    expect(cpuMsFromStat(stat)).toBe(3000);
  });
});

describe('perRequest', () => {
  const sample = (
    completed: number,
    app: number,
    redis: Record<string, number>,
    select: number,
  ): Sample => ({
    atMs: 0,
    completed,
    cpuMs: { app, mysql: NaN },
    redis,
    sql: { com_select: select },
  });

  it('takes each cost per window and keeps the median, so one noisy window does not move it', () => {
    const samples = [
      sample(0, 0, { evalsha: 0, info: 0 }, 0),
      sample(1000, 100, { evalsha: 1000, info: 1 }, 1000),
      sample(2000, 200, { evalsha: 2000, info: 2 }, 2000),
      // someone else's burst: 10× the CPU in this window
      sample(3000, 1200, { evalsha: 3000, info: 3 }, 3000),
      sample(4000, 1300, { evalsha: 4000, info: 4 }, 4000),
    ];
    const costs = perRequest(samples);
    expect(costs.windows).toBe(4);
    expect(costs.cpuUs.app).toBe(100);
    expect(costs.cpuUs.mysql).toBeNull();
    expect(costs.totalCpuUs).toBe(100);
    expect(costs.meanCpuUs.app).toBe(325);
    // INFO is the sampler's own command, not the service's
    expect(costs.redisCalls).toBe(1);
    expect(costs.redisByCommand).toEqual({ evalsha: 1 });
    expect(costs.sqlStatements).toBe(1);
  });

  it('skips windows with too few requests to mean anything', () => {
    const samples = [sample(0, 0, {}, 0), sample(5, 50, {}, 0), sample(1005, 150, {}, 0)];
    const costs = perRequest(samples, 20);
    expect(costs.windows).toBe(1);
    expect(costs.cpuUs.app).toBe(100);
  });

  it('pools the windows of several runs without counting what happened between them', () => {
    const first = [sample(0, 0, {}, 0), sample(1000, 100, {}, 0), sample(2000, 200, {}, 0)];
    // 5 s of CPU between the runs (another target's phase) must not be charged
    const second = [sample(2000, 5200, {}, 0), sample(3000, 5300, {}, 0)];
    const costs = perRequest([first, second]);
    expect(costs.windows).toBe(3);
    expect(costs.cpuUs.app).toBe(100);
    expect(costs.meanCpuUs.app).toBe(100);
  });

  it('leaves out of the total a server the load sends (almost) nothing to', () => {
    const at = (
      completed: number,
      app: number,
      mysql: number,
      redis: number,
      selects: number,
      calls: number,
    ): Sample => ({
      atMs: 0,
      completed,
      cpuMs: { app, mysql, redis },
      redis: { evalsha: calls },
      sql: { com_select: selects },
    });
    // 1 Redis call per request; MariaDB busy with someone else's 100 statements
    const samples = [
      at(0, 0, 0, 0, 0, 0),
      at(1000, 50, 30, 20, 100, 1000),
      at(2000, 100, 60, 40, 200, 2000),
    ];
    const costs = perRequest(samples);
    expect(costs.counted).toEqual(['app', 'redis']);
    expect(costs.cpuUs.mysql).toBe(30);
    expect(costs.totalCpuUs).toBe(70);
  });
});
