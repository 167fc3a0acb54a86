import type { FastifyRequest } from 'fastify';

/** Who called, as established by `JwtAuthGuard` from a verified bearer JWT. */
export interface AuthenticatedUser {
  /** The token's `sub`: always a non-empty string. */
  readonly sub: string;
  readonly scopes: string[];
  /** The token's `producer_id` claim, when it acts for one producer. */
  readonly producerId?: number;
}

/** A request that went through `JwtAuthGuard`. */
export type AuthenticatedRequest = FastifyRequest & { user?: AuthenticatedUser };
