export { MetricsModule } from './metrics.module';
export { MetricsService } from './metrics.service';
export type { CircuitStateValue } from './metrics.service';
