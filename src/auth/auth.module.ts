import { Global, Module } from '@nestjs/common';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtVerifier } from './jwt-verifier.service';
import { ScopesGuard } from './scopes.guard';

/**
 * Inbound bearer-JWT auth for our own routes and the outbound OAuth2 token for partner
 * calls. Global, so a feature module only imports `RequireScopes` / `TokenService`.
 */
@Global()
@Module({
  providers: [JwtVerifier, JwtAuthGuard, ScopesGuard],
  exports: [JwtVerifier, JwtAuthGuard, ScopesGuard],
})
export class AuthModule {}
