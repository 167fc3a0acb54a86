import { Injectable } from '@nestjs/common';
import { normalizeIp } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import { bearerTokenOf } from '../auth/jwt-auth.guard';
import { JwtVerifier } from '../auth/jwt-verifier.service';
import { IPV6_SUBNET_PREFIX } from './rate-limit.constants';

/**
 * Who a request is counted against: the verified JWT `sub` when a valid bearer token is
 * sent, else the client address. The limiter runs in an `onRequest` hook, before any
 * guard, so the token is verified here (JwtVerifier caches verifications, so the auth
 * guard pays nothing extra).
 * `request.ip` honours X-Forwarded-For only from TRUSTED_PROXIES (Fastify `trustProxy`).
 */
@Injectable()
export class RateLimitTracker {
  constructor(private readonly verifier: JwtVerifier) {}

  async track(request: FastifyRequest): Promise<string> {
    const token = bearerTokenOf(request.headers.authorization);
    if (token) {
      const sub = await this.verifier.verify(token).then(
        (user) => user.sub,
        () => null,
      );
      if (sub) {
        return `sub:${createHash('sha256').update(sub).digest('base64url')}`;
      }
    }
    return `ip:${normalizeIp(request.ip, IPV6_SUBNET_PREFIX)}`;
  }
}
