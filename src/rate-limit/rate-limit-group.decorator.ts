import { SetMetadata } from '@nestjs/common';
import { RATE_LIMIT_GROUP_KEY, RateLimitGroupName } from './rate-limit.constants';

/**
 * Puts a controller or route in a rate-limit group: its own budget per client, sized by
 * RATE_LIMIT_<GROUP>_LIMIT and RATE_LIMIT_<GROUP>_WINDOW_S. Routes without it use `default`.
 */
export const RateLimitGroup = (group: RateLimitGroupName): MethodDecorator & ClassDecorator =>
  SetMetadata(RATE_LIMIT_GROUP_KEY, group);
