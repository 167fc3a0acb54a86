import { Inject, Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { ClientIdentityResolver } from './client-identity';
import { clientAddress } from './client-address';
import { IPV6_SUBNET_PREFIX } from './rate-limit.constants';
import { RATE_LIMIT_OPTIONS, RateLimitModuleOptions } from './rate-limit.module-definition';

/**
 * Who a request is counted against: the identity the ClientIdentityResolver establishes
 * (the verified JWT `sub` when a valid bearer token is sent), else the client address. The
 * limiter runs in an `onRequest` hook, before any guard, so the identity is established
 * here (the JWT verifier caches verifications, so the auth guard pays nothing extra).
 * `request.ip` honours X-Forwarded-For only from TRUSTED_PROXIES (Fastify `trustProxy`).
 */
@Injectable()
export class RateLimitTracker {
  private readonly identity: ClientIdentityResolver;

  constructor(@Inject(RATE_LIMIT_OPTIONS) options: RateLimitModuleOptions) {
    this.identity = options.clientIdentity;
  }

  async track(request: FastifyRequest): Promise<string> {
    const identifying = this.identity.identify(request);
    if (identifying !== null) {
      const id = await identifying;
      if (id) {
        return `sub:${createHash('sha256').update(id).digest('base64url')}`;
      }
    }
    return `ip:${clientAddress(request.ip, IPV6_SUBNET_PREFIX)}`;
  }
}
