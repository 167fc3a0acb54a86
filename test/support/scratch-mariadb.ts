import { ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createConnection } from 'mysql2/promise';
import { freePort } from './spawn-service';

/** A private MariaDB server in a temporary directory, for tests that change its settings. */
export interface ScratchMariaDb {
  readonly host: string;
  readonly port: number;
  /** Stops the server and removes its directory. */
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;

async function run(command: string, args: string[]): Promise<void> {
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) {
    throw new Error(`${command} exited with ${code}:\n${output}`);
  }
}

async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) {
    return;
  }
  const exited = once(child, 'exit');
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Installs a fresh data directory with `mariadb-install-db` and starts `mariadbd` on it,
 * on a free port and its own socket (root@127.0.0.1 without a password). `extraArgs` are
 * server options, e.g. `--local-infile=0`. Never touches the shared server.
 */
export async function startScratchMariaDb(extraArgs: string[] = []): Promise<ScratchMariaDb> {
  const dir = await mkdtemp(join(tmpdir(), 'fl-mariadb-'));
  const datadir = join(dir, 'data');
  await run('mariadb-install-db', [
    '--no-defaults',
    `--datadir=${datadir}`,
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
    '--user=root',
  ]);
  const port = await freePort();
  const server = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${datadir}`,
      `--port=${port}`,
      `--socket=${join(dir, 'sock')}`,
      `--pid-file=${join(dir, 'pid')}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      '--innodb-buffer-pool-size=64M',
      '--user=root',
      ...extraArgs,
    ],
    { stdio: 'ignore' },
  );
  const stop = async (): Promise<void> => {
    await stopProcess(server);
    await rm(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    try {
      const connection = await createConnection({ host: '127.0.0.1', port, user: 'root' });
      await connection.end();
      return { host: '127.0.0.1', port, stop };
    } catch (error) {
      if (server.exitCode !== null || Date.now() > deadline) {
        await stop();
        throw new Error(`mariadbd did not come up: ${(error as Error).message}`, {
          cause: error,
        });
      }
      await sleep(200);
    }
  }
}
