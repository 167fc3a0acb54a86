import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

const READY_TIMEOUT_MS = 90_000;
const STOP_TIMEOUT_MS = 15_000;
const OUTPUT_TAIL_CHARS = 4_000;

/** A child process started by the bench, with the tail of its output for diagnostics. */
export interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly url: string;
  output(): string;
}

/** A TCP port that was free a moment ago. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') {
    throw new Error('could not find a free port');
  }
  return address.port;
}

export function startNode(
  name: string,
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; url: string },
): Child {
  const child = spawn(process.execPath, [...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let tail = '';
  const keep = (chunk: Buffer): void => {
    tail = (tail + chunk.toString()).slice(-OUTPUT_TAIL_CHARS);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  return { name, process: child, url: options.url, output: () => tail };
}

/** Polls `path` until it answers 200; if it never does, stops the child and fails. */
export async function waitForOk(child: Child, path: string): Promise<void> {
  try {
    await pollOk(child, path);
  } catch (error) {
    await stopChild(child);
    throw error;
  }
}

async function pollOk(child: Child, path: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (child.process.exitCode !== null) {
      throw new Error(`${child.name} exited with ${child.process.exitCode}:\n${child.output()}`);
    }
    const ok = await fetch(`${child.url}${path}`).then(
      (res) => res.ok,
      () => false,
    );
    if (ok) {
      return;
    }
    await sleep(200);
  }
  throw new Error(
    `${child.name} not ready within ${READY_TIMEOUT_MS / 1000} s:\n${child.output()}`,
  );
}

/** SIGTERM, then SIGKILL if the child has not exited in time. */
export async function stopChild(child: Child | null): Promise<void> {
  if (!child || child.process.exitCode !== null || child.process.signalCode !== null) {
    return;
  }
  const exited = once(child.process, 'exit');
  child.process.kill('SIGTERM');
  const timer = setTimeout(() => {
    process.stderr.write(`[bench] ${child.name} did not stop in time: SIGKILL\n`);
    child.process.kill('SIGKILL');
  }, STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/** Resident and peak resident memory of a process, in MiB, from /proc/<pid>/status. */
export function memoryOf(pid: number): { rssMb: number; peakRssMb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string): number => {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : NaN;
  };
  return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** Runs a node script to completion, returning its exit code, output and wall time. */
export async function runNode(
  args: readonly string[],
  options: { cwd: string; env: Record<string, string>; echo?: boolean },
): Promise<{ code: number; output: string; elapsedMs: number }> {
  const started = process.hrtime.bigint();
  const child = spawn(process.execPath, [...args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const collect = (chunk: Buffer): void => {
    output += chunk.toString();
    if (options.echo) {
      process.stderr.write(chunk);
    }
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const [code] = (await once(child, 'exit')) as [number | null];
  const elapsedMs = Number(process.hrtime.bigint() - started) / 1e6;
  return { code: code ?? 1, output, elapsedMs };
}
