import { Injectable } from '@nestjs/common';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type CircuitStateValue = 'closed' | 'open' | 'half_open';
const CIRCUIT_STATE_CODE: Record<CircuitStateValue, number> = { closed: 0, open: 1, half_open: 2 };

/**
 * Every Prometheus metric of the service, on a registry of its own (one per app, so
 * several instances can live in one test process). Modules record through these fields.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();

  readonly httpDuration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration by route template and status',
    labelNames: ['method', 'route', 'status_code'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [this.registry],
  });

  readonly productsCache = new Counter({
    name: 'products_cache_requests_total',
    help: 'Product listing response cache lookups by result (hit, miss, error)',
    labelNames: ['result'] as const,
    registers: [this.registry],
  });

  readonly productsCacheMemoryHits = new Counter({
    name: 'products_cache_memory_hits_total',
    help: 'Product listing cache hits answered in process, without asking Redis (part of result="hit")',
    registers: [this.registry],
  });

  readonly cacheGenerationBumps = new Counter({
    name: 'cache_generation_bumps_total',
    help: 'Cache generation bumps by namespace and reason (write: a catalog change; reset: Redis lost or rolled back the generation)',
    labelNames: ['namespace', 'reason'] as const,
    registers: [this.registry],
  });

  readonly dependencyUp = new Gauge({
    name: 'dependency_up',
    help: 'Whether a dependency (database, redis) answered a ping within 1 s when scraped (1 up, 0 down)',
    labelNames: ['dependency'] as const,
    registers: [this.registry],
    collect: async () => {
      const states = await this.dependencyProbe?.();
      for (const [dependency, up] of Object.entries(states ?? {})) {
        this.dependencyUp.set({ dependency }, up ? 1 : 0);
      }
    },
  });

  readonly requestsInFlight = new Gauge({
    name: 'http_requests_in_flight',
    help: 'Requests whose response is neither sent nor abandoned by their client (this scrape included)',
    registers: [this.registry],
    collect: () => {
      this.requestsInFlight.set(this.inFlightProbe?.() ?? 0);
    },
  });

  private dependencyProbe?: () => Promise<Record<string, boolean>>;
  private inFlightProbe?: () => number;

  readonly tokenFetches = new Counter({
    name: 'oauth_token_fetches_total',
    help: 'Requests made to the OAuth token endpoint by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly circuitState = new Gauge({
    name: 'partner_circuit_state',
    help: 'Circuit breaker state per partner (0 closed, 1 open, 2 half-open)',
    labelNames: ['partner'] as const,
    registers: [this.registry],
  });

  readonly circuitTransitions = new Counter({
    name: 'partner_circuit_transitions_total',
    help: 'Circuit breaker state transitions per partner',
    labelNames: ['partner', 'to'] as const,
    registers: [this.registry],
  });

  readonly partnerAttempts = new Counter({
    name: 'partner_attempts_total',
    help: 'Attempts made to a partner API by outcome',
    labelNames: ['partner', 'outcome'] as const,
    registers: [this.registry],
  });

  readonly partnerRetries = new Counter({
    name: 'partner_retries_total',
    help: 'Retries made to a partner API',
    labelNames: ['partner'] as const,
    registers: [this.registry],
  });

  readonly webhookEvents = new Counter({
    name: 'webhook_events_total',
    help: 'Inbound webhook deliveries by outcome',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });

  readonly rateLimitRejections = new Counter({
    name: 'rate_limit_rejections_total',
    help: 'Requests rejected by the rate limiter by route group',
    labelNames: ['group'] as const,
    registers: [this.registry],
  });

  readonly databaseUnavailable = new Counter({
    name: 'database_unavailable_total',
    help: 'Waits for the database that failed: connect errors, pool-acquire and query timeouts (by error code)',
    labelNames: ['reason'] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry });
  }

  /** Sets what `dependency_up` asks at each scrape. */
  observeDependencies(probe: () => Promise<Record<string, boolean>>): void {
    this.dependencyProbe = probe;
  }

  /** Sets what `http_requests_in_flight` reads at each scrape. */
  observeInFlight(probe: () => number): void {
    this.inFlightProbe = probe;
  }

  setCircuitState(partner: string, state: CircuitStateValue): void {
    this.circuitState.set({ partner }, CIRCUIT_STATE_CODE[state]);
  }

  /** Called by the database driver on every connection hand-out and failed wait. */
  recordDatabase(event: 'available' | 'unavailable', reason = 'unknown'): void {
    if (event === 'unavailable') {
      this.databaseUnavailable.inc({ reason });
    }
  }
}
