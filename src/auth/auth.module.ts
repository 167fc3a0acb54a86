import { Module } from '@nestjs/common';
import { BearerClientIdentity } from './bearer-client-identity';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtVerifier } from './jwt-verifier.service';
import { ScopesGuard } from './scopes.guard';

/**
 * Inbound bearer-JWT auth for our own routes: modules whose controllers use
 * `@RequireScopes` import it for its guards; the rate limiter is given its
 * BearerClientIdentity to count authenticated clients by subject.
 */
@Module({
  providers: [JwtVerifier, JwtAuthGuard, ScopesGuard, BearerClientIdentity],
  exports: [JwtVerifier, JwtAuthGuard, ScopesGuard, BearerClientIdentity],
})
export class AuthModule {}
