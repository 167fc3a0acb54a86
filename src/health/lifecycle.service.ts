import { Inject, Injectable, Logger } from '@nestjs/common';
import { setTimeout as sleep } from 'node:timers/promises';
import { appConfig, AppConfig } from '../config/configuration';

const DRAIN_POLL_MS = 25;

/**
 * Tracks the requests in flight and the shutdown state. A request is in flight from
 * Fastify's `onRequest` until its response is closed: sent, or its client gone (a client
 * that hangs up is not waited for). On SIGTERM readiness turns 503 at once, then `drain()`
 * waits (bounded by SHUTDOWN_TIMEOUT_MS) for the requests in flight to finish before the
 * app closes the HTTP server and, after that, the pools.
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

  /** Requests whose response is neither sent nor abandoned by their client. */
  get requestsInFlight(): number {
    return this.inFlight;
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

  /**
   * Resolves once no request is in flight (true), or when SHUTDOWN_TIMEOUT_MS has passed
   * (false). Logs how long it took either way.
   */
  async drain(): Promise<boolean> {
    const started = Date.now();
    const deadline = started + this.config.shutdownTimeoutMs;
    while (this.inFlight > 0 && Date.now() < deadline) {
      await sleep(DRAIN_POLL_MS);
    }
    const ms = Date.now() - started;
    if (this.inFlight > 0) {
      this.logger.warn(
        `Drain gave up after ${ms} ms (SHUTDOWN_TIMEOUT_MS); closing with ${this.inFlight} request(s) still in flight`,
      );
      return false;
    }
    this.logger.log(`Drained in ${ms} ms`);
    return true;
  }
}
