import type { FastifyRequest } from 'fastify';

/**
 * Who a request is counted against when the request itself says so (for example the
 * subject of a verified bearer token). The rate limiter defines this interface and is
 * given an implementation through `RateLimitModule.forRootAsync`; it knows nothing of how
 * credentials are checked.
 */
export interface ClientIdentityResolver {
  /**
   * A stable identity of the caller, or null to count the request by its address. Returns
   * null synchronously when the request carries no credentials (anonymous requests then
   * cost no promise), and never rejects: credentials that do not verify resolve to null.
   */
  identify(request: FastifyRequest): Promise<string | null> | null;
}
