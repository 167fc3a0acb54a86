import { PerRequest, perRequest, Sample } from './counters';
import { MeasureContext, minWindowRequests, sampleLoad } from './measure';
import type { Child } from './processes';

/**
 * A scenario's CPU per request against its floor's, both at the same arrival rate and
 * in alternating phases, so both see the same machine: the cost per request moves with
 * the request rate (work per wake-up, batching of writes) and with whatever else shares
 * the cores, MariaDB and Redis at the moment.
 */
export interface MatchedCost {
  /** Requests per second offered to both (open loop). */
  readonly rate: number;
  readonly rounds: number;
  readonly phaseS: number;
  readonly service: PerRequest;
  readonly floor: PerRequest;
  /** Median total CPU per request of the service ÷ the floor's. */
  readonly ratio: number | null;
}

const ROUNDS = 3;

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

export async function matchedCost(
  ctx: MeasureContext,
  name: string,
  targets: { readonly service: Child; readonly floor: Child },
  nextPath: () => string,
  rate: number,
): Promise<MatchedCost> {
  const phaseS = Math.max(2, Math.round(ctx.options.durationS / ROUNDS));
  log(`${name}: service and floor at ${rate} req/s each, ${ROUNDS} × ${phaseS} s alternating`);
  const runs: { service: Sample[][]; floor: Sample[][] } = { service: [], floor: [] };
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const side of ['service', 'floor'] as const) {
      const { samples } = await sampleLoad(ctx, targets[side], nextPath, {
        name: `${name} (${side})`,
        durationS: phaseS,
        rate,
      });
      runs[side].push(samples);
    }
  }
  const min = minWindowRequests(ctx, rate);
  const service = perRequest(runs.service, min);
  const floor = perRequest(runs.floor, min);
  const ratio =
    service.totalCpuUs !== null && floor.totalCpuUs
      ? Math.round((service.totalCpuUs / floor.totalCpuUs) * 100) / 100
      : null;
  log(
    `${name} at ${rate} req/s: service ${service.totalCpuUs} µs/req (app ${service.cpuUs.app}, mysql ${service.cpuUs.mysql}, redis ${service.cpuUs.redis}), ` +
      `floor ${floor.totalCpuUs} µs/req (app ${floor.cpuUs.app}, mysql ${floor.cpuUs.mysql}): ${ratio ?? '–'} ×`,
  );
  return { rate, rounds: ROUNDS, phaseS, service, floor, ratio };
}
