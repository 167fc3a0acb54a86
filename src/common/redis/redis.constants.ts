/** Injection token of the one shared ioredis client. */
export const REDIS_CLIENT = Symbol('REDIS_CLIENT');
