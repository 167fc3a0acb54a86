export type { ClientIdentityResolver } from './client-identity';
export { RateLimitModule } from './rate-limit.module';
export type { RateLimitModuleOptions } from './rate-limit.module-definition';
export { RateLimiter } from './rate-limiter';
