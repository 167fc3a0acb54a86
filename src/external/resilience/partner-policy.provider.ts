import { Logger, Provider } from '@nestjs/common';
import { externalConfig, ExternalConfig } from '../../config/configuration';
import { MetricsService } from '../../metrics';
import { PARTNER_NAME } from '../external.constants';
import { CircuitBreaker } from './circuit-breaker';
import { ResiliencePolicy } from './resilience-policy';

/** Injection token of the partner's ResiliencePolicy (one breaker per partner). */
export const PARTNER_POLICY = Symbol('PARTNER_POLICY');

/** Builds the resilience policy of one partner from config, reporting to Prometheus. */
export function createPartnerPolicy(
  partner: string,
  config: ExternalConfig,
  metrics: MetricsService,
): ResiliencePolicy {
  const logger = new Logger(`CircuitBreaker:${partner}`);
  metrics.setCircuitState(partner, 'closed');
  const breaker = new CircuitBreaker({
    ...config.breaker,
    onTransition: (from, to) => {
      logger.warn(`Circuit of ${partner}: ${from} -> ${to}`);
      metrics.circuitTransitions.inc({ partner, to });
      metrics.setCircuitState(partner, to);
    },
  });
  return new ResiliencePolicy({
    timeoutMs: config.timeoutMs,
    deadlineMs: config.deadlineMs,
    maxAttempts: config.maxAttempts,
    breaker,
    observer: {
      attempt: (outcome) => metrics.partnerAttempts.inc({ partner, outcome }),
      retry: () => metrics.partnerRetries.inc({ partner }),
    },
  });
}

export const partnerPolicyProvider: Provider = {
  provide: PARTNER_POLICY,
  inject: [externalConfig.KEY, MetricsService],
  useFactory: (config: ExternalConfig, metrics: MetricsService) =>
    createPartnerPolicy(PARTNER_NAME, config, metrics),
};
