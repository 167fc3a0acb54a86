import { PerRequest, perRequest, Sample } from './counters';
import { MatchedCost, MeasureContext, minWindowRequests, sampleLoad } from './measure';
import type { Child } from './processes';

const ROUNDS = 3;

const log = (message: string): void => {
  process.stderr.write(`[bench] ${message}\n`);
};

export async function matchedCost(
  ctx: MeasureContext,
  name: string,
  targets: { readonly service: Child; readonly floor: Child; readonly candidate: Child | null },
  nextPath: () => string,
  rate: number,
): Promise<MatchedCost> {
  const phaseS = Math.max(2, Math.round(ctx.options.durationS / ROUNDS));
  log(`${name}: service and floor at ${rate} req/s each, ${ROUNDS} × ${phaseS} s alternating`);
  const runs: Record<'service' | 'floor' | 'candidate', Sample[][]> = {
    service: [],
    floor: [],
    candidate: [],
  };
  const sides = targets.candidate
    ? (['service', 'candidate', 'floor'] as const)
    : (['service', 'floor'] as const);
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const side of sides) {
      const { samples } = await sampleLoad(ctx, targets[side] as Child, nextPath, {
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
  const candidate = targets.candidate ? perRequest(runs.candidate, min) : null;
  const over = (mine: PerRequest | null): number | null =>
    mine?.totalCpuUs !== null && mine !== null && floor.totalCpuUs
      ? Math.round((mine.totalCpuUs / floor.totalCpuUs) * 100) / 100
      : null;
  const ratio = over(service);
  const candidateRatio = over(candidate);
  log(
    `${name} at ${rate} req/s: service ${service.totalCpuUs} µs/req (app ${service.cpuUs.app}, mysql ${service.cpuUs.mysql}, redis ${service.cpuUs.redis}), ` +
      `floor ${floor.totalCpuUs} µs/req (app ${floor.cpuUs.app}, mysql ${floor.cpuUs.mysql}): ${ratio ?? '–'} ×` +
      (candidate
        ? `; compared build ${candidate.totalCpuUs} µs/req (app ${candidate.cpuUs.app}, mysql ${candidate.cpuUs.mysql}, redis ${candidate.cpuUs.redis}): ${candidateRatio ?? '–'} ×`
        : ''),
  );
  return { rate, rounds: ROUNDS, phaseS, service, floor, ratio, candidate, candidateRatio };
}
