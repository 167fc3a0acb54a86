import { ConfigurableModuleBuilder } from '@nestjs/common';
import type { ClientIdentityResolver } from './client-identity';

export interface RateLimitModuleOptions {
  /** Who a request is counted against when it carries credentials. */
  readonly clientIdentity: ClientIdentityResolver;
}

export const { ConfigurableModuleClass, MODULE_OPTIONS_TOKEN: RATE_LIMIT_OPTIONS } =
  new ConfigurableModuleBuilder<RateLimitModuleOptions>().setClassMethodName('forRoot').build();
