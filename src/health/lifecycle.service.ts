import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { appConfig, AppConfig } from '../config/configuration';

const DRAIN_POLL_MS = 25;

/**
 * Tracks the requests in flight and the shutdown state. On SIGTERM readiness turns 503 at
 * once, then `drain()` waits (bounded by SHUTDOWN_TIMEOUT_MS) for in-flight requests to
 * finish before the app closes the HTTP server and, after that, the pools.
 */
@Injectable()
export class LifecycleService {
  private readonly logger = new Logger(LifecycleService.name);
  private shuttingDown = false;
  private inFlight = 0;

  constructor(@Inject(appConfig.KEY) private readonly config: AppConfig) {}

  get isShuttingDown(): boolean {
    return this.shuttingDown;
  }

  requestStarted(): void {
    this.inFlight += 1;
  }

  requestFinished(): void {
    this.inFlight = Math.max(0, this.inFlight - 1);
  }

  /** Readiness answers 503 from now on. */
  beginShutdown(reason: string): void {
    this.shuttingDown = true;
    this.logger.log(`Shutting down (${reason}), ${this.inFlight} request(s) in flight`);
  }

  /** Resolves once no request is in flight, or when SHUTDOWN_TIMEOUT_MS has passed. */
  async drain(): Promise<void> {
    const deadline = Date.now() + this.config.shutdownTimeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) {
      await sleep(DRAIN_POLL_MS);
    }
    if (this.inFlight > 0) {
      this.logger.warn(`Closing with ${this.inFlight} request(s) still in flight`);
    }
  }
}
