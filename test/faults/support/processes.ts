import { ChildProcess, spawn, SpawnOptions } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** Every child started by the fault harness that may still be running. */
const running = new Set<ChildProcess>();
let exitHookInstalled = false;

/**
 * If the test process dies without running its `afterAll` (a crash, a timeout kill), no
 * private server may outlive it: SIGCONT (a frozen process ignores everything else) and
 * SIGKILL whatever is left. Only children this module started, by their own handle.
 */
function installExitHook(): void {
  if (exitHookInstalled) {
    return;
  }
  exitHookInstalled = true;
  process.once('exit', () => {
    for (const child of running) {
      if (isAlive(child)) {
        child.kill('SIGCONT');
        child.kill('SIGKILL');
      }
    }
  });
}

export function isAlive(child: ChildProcess): boolean {
  return child.exitCode === null && child.signalCode === null;
}

/** A child process the harness owns: signals, output capture, and a guaranteed end. */
export class ManagedProcess {
  readonly child: ChildProcess;
  private readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;

  constructor(command: string, args: readonly string[], options: SpawnOptions = {}) {
    installExitHook();
    this.child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    running.add(this.child);
    const keep = (chunk: Buffer): void => {
      this.lines.push(chunk.toString());
      if (this.lines.length > 2_000) {
        this.lines.splice(0, 1_000);
      }
    };
    this.child.stdout?.on('data', keep);
    this.child.stderr?.on('data', keep);
    this.exited = new Promise((resolve) => {
      this.child.once('exit', (code, signal) => {
        running.delete(this.child);
        resolve({ code, signal });
      });
    });
    this.child.once('error', (error) => this.lines.push(`spawn error: ${error.message}\n`));
    // A child a test forgot to stop must not keep the test runner alive (it would wait on
    // the child's pipes forever); the exit hook above kills it when the runner exits.
    this.child.unref();
    for (const stream of [this.child.stdout, this.child.stderr]) {
      (stream as (NodeJS.ReadableStream & { unref?: () => void }) | null)?.unref?.();
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get alive(): boolean {
    return isAlive(this.child);
  }

  output(): string {
    return this.lines.join('');
  }

  signal(signal: NodeJS.Signals): void {
    if (this.alive) {
      this.child.kill(signal);
    }
  }

  /** kill -9, and wait until the process is gone. */
  async kill9(): Promise<void> {
    if (this.alive) {
      this.child.kill('SIGKILL');
    }
    await this.exited;
  }

  /** SIGTERM (after SIGCONT, in case it is frozen), then SIGKILL after `graceMs`. */
  async stop(graceMs = 5_000): Promise<void> {
    if (!this.alive) {
      return;
    }
    this.child.kill('SIGCONT');
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }
}

/** Polls `probe` until it resolves true, or throws after `timeoutMs`. */
export async function waitFor(
  what: string,
  probe: () => Promise<boolean>,
  timeoutMs: number,
  intervalMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe().catch(() => false)) {
      return;
    }
    if (Date.now() > deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    }
    await sleep(intervalMs);
  }
}
