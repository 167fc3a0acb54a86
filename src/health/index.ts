export { HealthModule } from './health.module';
export { LifecycleService } from './lifecycle.service';
