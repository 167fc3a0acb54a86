import Redis from 'ioredis';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../support/spawn-service';
import { ManagedProcess, waitFor } from './processes';

/**
 * A `redis-server` of the test's own (free port, temporary directory, no persistence), so
 * a test can kill, freeze, restart and wipe it without touching the shared Redis.
 */
export class PrivateRedis {
  private process: ManagedProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateRedis> {
    const redis = new PrivateRedis(
      await freePort(),
      mkdtempSync(join(tmpdir(), 'fl-faults-redis-')),
    );
    try {
      await redis.launch();
    } catch (error) {
      await redis.destroy();
      throw error;
    }
    return redis;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}/0`;
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  /** A raw client (no key prefix) for observing and wiping. The caller disconnects it. */
  client(): Redis {
    return new Redis(this.url, { maxRetriesPerRequest: 1, lazyConnect: false });
  }

  /** Starts the server again on the same port (after kill9): empty, as without persistence. */
  async launch(): Promise<void> {
    if (this.process?.alive) {
      throw new Error('private redis is already running');
    }
    this.process = new ManagedProcess('redis-server', [
      '--port',
      String(this.port),
      '--bind',
      '127.0.0.1',
      '--dir',
      this.dir,
      '--save',
      '',
      '--appendonly',
      'no',
      '--protected-mode',
      'no',
    ]);
    await waitFor('private redis', () => this.ping(), 10_000);
  }

  async kill9(): Promise<void> {
    await this.process?.kill9();
  }

  freeze(): void {
    this.process?.signal('SIGSTOP');
  }

  thaw(): void {
    this.process?.signal('SIGCONT');
  }

  /** FLUSHALL on this private server only: what a restart without persistence leaves. */
  async wipe(): Promise<void> {
    const client = this.client();
    try {
      await client.flushall();
    } finally {
      client.disconnect();
    }
  }

  /** Kills the server and removes its directory; safe to call more than once. */
  async destroy(): Promise<void> {
    await this.process?.kill9();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ping(): Promise<boolean> {
    const client = new Redis(this.url, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
      connectTimeout: 500,
    });
    try {
      await client.connect();
      return (await client.ping()) === 'PONG';
    } finally {
      client.disconnect();
    }
  }
}
