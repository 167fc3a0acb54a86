import { readFileSync } from 'node:fs';
import { cpuMsFromStat, Sample } from './counters';

/** Where the sampler reads server-side counters (the bench's Stores implements it). */
export interface CounterSource {
  redisCommandStats(): Promise<Record<string, number> | null>;
  sqlCounters(): Promise<Record<string, number> | null>;
}

/** CPU ms a process has used so far, or NaN once it is gone (or not readable). */
export function cpuMsOf(pid: number): number {
  try {
    return cpuMsFromStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return NaN;
  }
}

/** Resident memory of a process in MB, or NaN. */
export function rssMbOf(pid: number): number {
  try {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/**
 * Reads every process's CPU time, Redis' command counters and MySQL's statement counters
 * at the end of each window while a load runs, together with the responses completed so
 * far, so per-request costs can be taken per window (see `perRequest`).
 */
export class Sampler {
  private readonly samples: Sample[] = [];
  private timer: NodeJS.Timeout | null = null;
  private pending: Promise<void> = Promise.resolve();

  constructor(
    private readonly pids: Readonly<Record<string, number | null>>,
    private readonly source: CounterSource,
    private readonly completed: () => number,
    private readonly windowMs: number,
  ) {}

  async start(): Promise<void> {
    await this.take();
    this.timer = setInterval(() => {
      this.pending = this.pending.then(() => this.take());
    }, this.windowMs);
  }

  async stop(): Promise<Sample[]> {
    if (this.timer !== null) {
      clearInterval(this.timer);
      this.timer = null;
    }
    await this.pending;
    await this.take();
    return this.samples;
  }

  private async take(): Promise<void> {
    // Counters first, CPU and progress together last: the CPU window is the one that
    // matters most, and /proc reads take microseconds.
    const [redis, sql] = await Promise.all([
      this.source.redisCommandStats().catch(() => null),
      this.source.sqlCounters().catch(() => null),
    ]);
    const cpuMs: Record<string, number> = {};
    for (const [role, pid] of Object.entries(this.pids)) {
      cpuMs[role] = pid === null ? NaN : cpuMsOf(pid);
    }
    const app = this.pids.app;
    this.samples.push({
      atMs: Date.now(),
      completed: this.completed(),
      cpuMs,
      redis,
      sql,
      appRssMb: app ? rssMbOf(app) : NaN,
    });
  }
}
