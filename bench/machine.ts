import { readFileSync } from 'node:fs';
import { availableParallelism, totalmem } from 'node:os';

export interface MachineInfo {
  readonly nproc: number;
  readonly cpuModel: string;
  readonly ramGb: number;
  readonly node: string;
  readonly mariadb: string;
  readonly redis: string;
}

function cpuModel(): string {
  try {
    const match = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'));
    return match ? match[1].trim() : 'unknown';
  } catch {
    return 'unknown';
  }
}

export function describeMachine(versions: { mariadb: string; redis: string }): MachineInfo {
  return {
    nproc: availableParallelism(),
    cpuModel: cpuModel(),
    ramGb: Math.round((totalmem() / 1024 ** 3) * 10) / 10,
    node: process.version,
    ...versions,
  };
}
