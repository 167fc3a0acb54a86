import type { ChurnResult } from './churn';
import type { ScenarioResult } from './measure';
import type { ScenarioName } from './scenarios';

export interface TargetCheck {
  readonly target: string;
  readonly measured: string;
  /** null = reported only, or not run. */
  readonly pass: boolean | null;
}

export interface TargetInputs {
  readonly scenarios: readonly ScenarioResult[];
  readonly churn: ChurnResult | null;
  readonly peakRssMb: number;
  readonly rateLimit: boolean;
  readonly seedRowsPerS: number | null;
}

const find = (scenarios: readonly ScenarioResult[], name: ScenarioName) =>
  scenarios.find((s) => s.name === name);

const failures = (s: ScenarioResult): number => s.non2xx + s.errors + s.timeouts;

/** deep p95 ÷ first-page p95, when both ran. */
export function deepOverFirstPage(scenarios: readonly ScenarioResult[]): number | null {
  const first = find(scenarios, 'first-page');
  const deep = find(scenarios, 'deep');
  return first && deep ? Math.round((deep.latencyMs.p95 / first.latencyMs.p95) * 100) / 100 : null;
}

/** near-deep p95 ÷ near-centre p95, when both ran. */
export function nearDeepOverFirst(scenarios: readonly ScenarioResult[]): number | null {
  const first = find(scenarios, 'near-centre');
  const deep = find(scenarios, 'near-deep');
  return first && deep ? Math.round((deep.latencyMs.p95 / first.latencyMs.p95) * 100) / 100 : null;
}

function ratioTarget(
  scenarios: readonly ScenarioResult[],
  name: ScenarioName,
  max: number | null,
  label: string,
): TargetCheck {
  const s = find(scenarios, name);
  const target =
    max === null
      ? `${name}: total CPU/req against ${label} (reported)`
      : `${name}: total CPU/req ≤ ${max.toFixed(2)} × ${label}`;
  if (!s || s.ratio === null) {
    return { target, measured: 'not run', pass: null };
  }
  const measured = s.matched
    ? `${s.ratio.toFixed(2)} × (${s.matched.service.totalCpuUs} µs against ${s.matched.floor.totalCpuUs} µs, both at ${s.matched.rate.toLocaleString('en-US')} req/s)`
    : `${s.ratio.toFixed(2)} × (${s.costs.totalCpuUs} µs against ${
        find(scenarios, s.floor as ScenarioName)?.costs.totalCpuUs
      } µs, closed loop)`;
  return { target, measured, pass: max === null ? null : s.ratio <= max };
}

/** Every target as a ratio or count measured in this run (never a timed test assertion). */
export function checkTargets(inputs: TargetInputs): TargetCheck[] {
  const { scenarios, churn } = inputs;
  const miss = find(scenarios, 'miss');
  const missRedis = miss ? (miss.matched?.service ?? miss.costs).cpuUs.redis : null;
  const missCalls = miss ? (miss.matched?.service ?? miss.costs).redisCalls : null;
  const deepRatio = deepOverFirstPage(scenarios);
  const withErrors = scenarios.filter((s) => failures(s) > 0);
  const hot = ratioTarget(scenarios, 'hot', 2.0, 'bare floor');
  const checks: TargetCheck[] = [
    inputs.rateLimit
      ? hot
      : {
          ...hot,
          target: `${hot.target} (rate limiter off: not the target's setting)`,
          pass: null,
        },
    ratioTarget(scenarios, 'miss', 1.25, 'database floor'),
    {
      target: 'miss: Redis CPU ≤ 30 µs/req',
      measured: missRedis === null ? 'not run' : `${missRedis} µs (${missCalls ?? '–'} calls/req)`,
      pass: missRedis === null ? null : missRedis <= 30,
    },
    ratioTarget(scenarios, 'by-id', 1.25, 'by-id floor'),
    ratioTarget(scenarios, 'filters', null, 'database floor'),
    ratioTarget(scenarios, 'deep', null, 'database floor'),
    {
      target: 'deep p95 / first-page p95 ≤ 1.2',
      measured: deepRatio === null ? 'not run' : deepRatio.toFixed(2),
      pass: deepRatio === null ? null : deepRatio <= 1.2,
    },
    ratioTarget(scenarios, 'near-centre', 2.0, 'the default listing (miss)'),
    ratioTarget(scenarios, 'near-outskirt', 2.0, 'the default listing (miss)'),
    ratioTarget(scenarios, 'near-category', 2.0, 'the default listing (miss)'),
    ratioTarget(scenarios, 'near-deep', 2.0, 'the default listing (miss)'),
    {
      target: 'near-deep p95 / near-centre p95 ≤ 1.2',
      measured: nearDeepOverFirst(scenarios)?.toFixed(2) ?? 'not run',
      pass: ((r) => (r === null ? null : r <= 1.2))(nearDeepOverFirst(scenarios)),
    },
    {
      target: 'service peak RSS during the run ≤ 250 MB',
      measured: `${inputs.peakRssMb} MB`,
      pass: inputs.peakRssMb <= 250,
    },
    {
      target: 'no errors, timeouts or non-2xx in any scenario',
      measured:
        withErrors.length === 0
          ? '0'
          : withErrors.map((s) => `${s.name}: ${failures(s)}`).join(', '),
      pass: withErrors.length === 0,
    },
  ];
  if (churn) {
    const share = churn.popular.hitShare;
    const { visibility: v } = churn;
    checks.push(
      {
        target: 'churn: popular-page cache hit share ≥ 80 %',
        measured: share === null ? 'no reads' : `${(share * 100).toFixed(1)} %`,
        pass: share === null ? null : share >= 0.8,
      },
      {
        target: 'churn: every sampled write visible in its listing within 1 s',
        measured:
          v.samples + v.notVisible === 0
            ? 'no samples'
            : `${v.samples} samples, p50 ${v.p50Ms} ms, max ${v.maxMs} ms, ${v.notVisible} not visible in 5 s`,
        pass: v.samples + v.notVisible === 0 ? null : v.notVisible === 0 && (v.maxMs ?? 0) <= 1000,
      },
      {
        target: 'churn: dead listing pages in Redis (reported)',
        measured: `${churn.pages.end.dead.count.toLocaleString('en-US')} pages, ${mib(churn.pages.end.dead.bytes)} at the end`,
        pass: null,
      },
    );
  }
  checks.push({
    target: 'seeding ≥ 100,000 rows/s',
    measured:
      inputs.seedRowsPerS === null
        ? 'unknown'
        : `${Math.round(inputs.seedRowsPerS).toLocaleString('en-US')} rows/s`,
    pass: inputs.seedRowsPerS === null ? null : inputs.seedRowsPerS >= 100_000,
  });
  return checks;
}

export function mib(bytes: number): string {
  return `${(bytes / 1048576).toFixed(1)} MiB`;
}
