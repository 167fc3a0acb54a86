import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const ROOT = join(__dirname, '..', '..');
const MAIN = join(ROOT, 'dist', 'src', 'main.js');

/** The Node flags `npm start` passes (the heap bounds in package.json). */
export const START_FLAGS: readonly string[] = (
  JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { scripts: { start: string } }
).scripts.start
  .split(/\s+/)
  .filter((word) => word.startsWith('--'));

export interface SpawnedService {
  readonly url: string;
  readonly process: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  /** Sends `signal` and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

/** Runs the built service (`npm run build` first) the way `npm start` does. */
export function runService(env: Record<string, string>): {
  process: ChildProcess;
  output: () => string;
  exited: Promise<number | null>;
} {
  const child = spawn(process.execPath, [...START_FLAGS, MAIN], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code)),
  );
  return { process: child, output: () => output, exited };
}

/**
 * Starts the built service on a free port (or `options.port`, e.g. one already named in
 * PUBLIC_BASE_URL) and waits until /health/live answers.
 */
export async function spawnService(
  env: Record<string, string>,
  options: { port?: number } = {},
): Promise<SpawnedService> {
  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const run = runService({ ...env, PORT: String(port), HOST: '127.0.0.1' });
  const deadline = Date.now() + 30_000;
  let exitCode: number | null | undefined;
  void run.exited.then((code) => (exitCode = code));
  while (Date.now() < deadline) {
    if (exitCode !== undefined) {
      throw new Error(`service exited with ${exitCode}:\n${run.output()}`);
    }
    try {
      const res = await fetch(`${url}/health/live`);
      if (res.ok) {
        break;
      }
    } catch {
      // not listening yet
    }
    await sleep(100);
  }
  return {
    url,
    process: run.process,
    output: run.output,
    stop: async (signal = 'SIGTERM') => {
      if (run.process.exitCode === null) {
        run.process.kill(signal);
      }
      return run.exited;
    },
  };
}
