import type { FastifyRequest } from 'fastify';

/** Who called, as established by `JwtAuthGuard` from a verified bearer JWT. */
export interface AuthenticatedUser {
  readonly sub: string;
  readonly scopes: string[];
}

/** A request that went through `JwtAuthGuard`. */
export type AuthenticatedRequest = FastifyRequest & { user?: AuthenticatedUser };
