import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import type { ClientIdentityResolver } from '../rate-limit';
import { bearerTokenOf } from './jwt-auth.guard';
import { JwtVerifier } from './jwt-verifier.service';

/**
 * The rate limiter's client identity: the `sub` of a verified bearer JWT. Requests without
 * a bearer token answer null at once; tokens that fail verification resolve to null (the
 * request is then counted by address, and the auth guard rejects it where a route needs
 * one). Verifications are cached by JwtVerifier, so the guard pays nothing extra.
 */
@Injectable()
export class BearerClientIdentity implements ClientIdentityResolver {
  constructor(private readonly verifier: JwtVerifier) {}

  identify(request: FastifyRequest): Promise<string | null> | null {
    const token = bearerTokenOf(request.headers.authorization);
    return token
      ? this.verifier.verify(token).then(
          (user) => user.sub,
          () => null,
        )
      : null;
  }
}
