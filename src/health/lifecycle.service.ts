import { BeforeApplicationShutdown, Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { appConfig, AppConfig } from '../config/configuration';

const DRAIN_POLL_MS = 25;

/**
 * Tracks the requests in flight and the shutdown state. On SIGTERM readiness turns 503 at
 * once; Nest then waits here (bounded by SHUTDOWN_TIMEOUT_MS) for in-flight requests to
 * finish before it closes the HTTP server and, after that, the pools.
 */
@Injectable()
export class LifecycleService implements BeforeApplicationShutdown {
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

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.shuttingDown = true;
    this.logger.log(`Shutting down (${signal ?? 'close'}), ${this.inFlight} request(s) in flight`);
    const deadline = Date.now() + this.config.shutdownTimeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) {
      await sleep(DRAIN_POLL_MS);
    }
    if (this.inFlight > 0) {
      this.logger.warn(`Closing with ${this.inFlight} request(s) still in flight`);
    }
  }
}
