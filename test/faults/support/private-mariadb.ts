import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection, createConnection } from 'mysql2/promise';
import { freePort } from '../../support/spawn-service';
import { ManagedProcess, waitFor } from './processes';

const exec = promisify(execFile);
const SMALL = ['--innodb-log-file-size=8M', '--innodb-buffer-pool-size=64M'];

/**
 * A `mariadbd` of the test's own: a fresh data directory in a temporary directory, its own
 * port and socket, root@127.0.0.1 without a password. A test can kill -9, freeze
 * (SIGSTOP) and restart it on the same port and data without touching the shared server.
 */
export class PrivateMariaDb {
  private process: ManagedProcess | null = null;

  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<PrivateMariaDb> {
    const db = new PrivateMariaDb(await freePort(), mkdtempSync(join(tmpdir(), 'fl-faults-db-')));
    try {
      await exec('mariadb-install-db', [
        '--no-defaults',
        `--datadir=${db.dataDir}`,
        '--auth-root-authentication-method=normal',
        '--skip-test-db',
        '--skip-name-resolve',
        '--user=root',
        ...SMALL,
      ]);
      await db.launch();
    } catch (error) {
      await db.destroy();
      throw error;
    }
    return db;
  }

  get host(): string {
    return '127.0.0.1';
  }

  get pid(): number | undefined {
    return this.process?.pid;
  }

  private get dataDir(): string {
    return join(this.dir, 'data');
  }

  /** Environment pointing the service at this server. */
  serviceEnv(database: string): Record<string, string> {
    return {
      DB_HOST: this.host,
      DB_PORT: String(this.port),
      DB_USER: 'root',
      DB_PASSWORD: '',
      DB_NAME: database,
      DB_TYPE: 'mariadb',
    };
  }

  /** A connection for observations (the caller ends it). */
  connect(database?: string): Promise<Connection> {
    return createConnection({
      host: this.host,
      port: this.port,
      user: 'root',
      password: '',
      database,
      connectTimeout: 2_000,
      supportBigNumbers: true,
      bigNumberStrings: false,
    });
  }

  /** Starts the server (again, after kill9) on the same port and data directory. */
  async launch(): Promise<void> {
    if (this.process?.alive) {
      throw new Error('private mariadbd is already running');
    }
    this.process = new ManagedProcess('mariadbd', [
      '--no-defaults',
      `--datadir=${this.dataDir}`,
      `--port=${this.port}`,
      `--socket=${join(this.dir, 'mariadb.sock')}`,
      `--pid-file=${join(this.dir, 'mariadb.pid')}`,
      '--bind-address=127.0.0.1',
      '--skip-name-resolve',
      '--user=root',
      '--max-connections=200',
      ...SMALL,
    ]);
    await waitFor('private mariadbd', () => this.ping(), 30_000, 100).catch((error: Error) => {
      throw new Error(`${error.message}\n${this.process?.output() ?? ''}`);
    });
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

  /** Kills the server and removes its directory; safe to call more than once. */
  async destroy(): Promise<void> {
    await this.process?.kill9();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async ping(): Promise<boolean> {
    if (!this.process?.alive) {
      throw new Error(`mariadbd exited:\n${this.process?.output() ?? ''}`);
    }
    const connection = await createConnection({
      host: this.host,
      port: this.port,
      user: 'root',
      password: '',
      connectTimeout: 1_000,
    });
    try {
      await connection.query('SELECT 1');
      return true;
    } finally {
      await connection.end();
    }
  }
}
