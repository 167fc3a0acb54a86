import { ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { freePort } from './spawn-service';

const exec = promisify(execFile);

export interface LocalRedisCluster {
  /** `host:port,…` for REDIS_CLUSTER_NODES. */
  readonly nodes: string;
  stop(): Promise<void>;
}

async function clusterOk(port: number): Promise<boolean> {
  const { stdout } = await exec('redis-cli', ['-p', String(port), 'cluster', 'info']).catch(() => ({
    stdout: '',
  }));
  return stdout.includes('cluster_state:ok');
}

/** A real three-master Redis Cluster on free loopback ports, in a temporary directory. */
export async function startRedisCluster(): Promise<LocalRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'fl-cluster-'));
  const ports = [await freePort(), await freePort(), await freePort()];
  const children: ChildProcess[] = ports.map((port) =>
    spawn(
      'redis-server',
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--dir',
        dir,
        '--save',
        '',
        '--appendonly',
        'no',
      ],
      { stdio: 'ignore' },
    ),
  );
  const stop = async (): Promise<void> => {
    await Promise.all(
      children.map(
        (child) =>
          new Promise((resolve) => {
            if (child.exitCode !== null) {
              resolve(null);
              return;
            }
            child.once('exit', resolve);
            child.kill('SIGTERM');
          }),
      ),
    );
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    for (const port of ports) {
      for (let i = 0; i < 50; i++) {
        const pong = await exec('redis-cli', ['-p', String(port), 'ping']).catch(() => null);
        if (pong?.stdout.includes('PONG')) {
          break;
        }
        await sleep(100);
      }
    }
    await exec('redis-cli', [
      '--cluster',
      'create',
      ...ports.map((port) => `127.0.0.1:${port}`),
      '--cluster-replicas',
      '0',
      '--cluster-yes',
    ]);
    for (let i = 0; i < 100 && !(await clusterOk(ports[0])); i++) {
      await sleep(100);
    }
    return { nodes: ports.map((port) => `127.0.0.1:${port}`).join(','), stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
