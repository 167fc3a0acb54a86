import { join } from 'node:path';
import { freePort, START_FLAGS } from '../../support/spawn-service';
import { ManagedProcess, waitFor } from './processes';

/** The built service; FAULTS_SERVICE_MAIN points the suite at another build (e.g. an older one). */
const MAIN =
  process.env.FAULTS_SERVICE_MAIN ?? join(__dirname, '..', '..', '..', 'dist', 'src', 'main.js');

/**
 * One instance of the built service (`dist/src/main.js`, as `npm start` runs it) on a free
 * port, owned by the fault harness: it can be killed -9 or signalled like a pod.
 */
export class ServiceInstance {
  private constructor(
    readonly url: string,
    readonly port: number,
    private readonly process: ManagedProcess,
  ) {}

  /** Starts an instance and waits until /health/live answers. */
  static async start(env: Record<string, string>): Promise<ServiceInstance> {
    const port = await freePort();
    const process_ = new ManagedProcess(globalThis.process.execPath, [...START_FLAGS, MAIN], {
      env: { ...globalThis.process.env, ...env, PORT: String(port), HOST: '127.0.0.1' },
    });
    const instance = new ServiceInstance(`http://127.0.0.1:${port}`, port, process_);
    try {
      await waitFor(
        'the service to listen',
        async () => {
          if (!process_.alive) {
            throw new Error('exited');
          }
          return (await fetch(`${instance.url}/health/live`)).ok;
        },
        30_000,
        100,
      );
    } catch (error) {
      await process_.kill9();
      throw new Error(`service did not start: ${(error as Error).message}\n${process_.output()}`, {
        cause: error,
      });
    }
    if (!process_.alive) {
      throw new Error(`service exited during start-up:\n${process_.output()}`);
    }
    return instance;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  get alive(): boolean {
    return this.process.alive;
  }

  get exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
    return this.process.exited;
  }

  output(): string {
    return this.process.output();
  }

  signal(signal: NodeJS.Signals): void {
    this.process.signal(signal);
  }

  kill9(): Promise<void> {
    return this.process.kill9();
  }

  /** Graceful stop (SIGTERM), SIGKILL if it is still there after `graceMs`. */
  stop(graceMs = 15_000): Promise<void> {
    return this.process.stop(graceMs);
  }
}
