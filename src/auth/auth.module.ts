import { Global, Module } from '@nestjs/common';
import { AuthController } from './auth.controller';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtVerifier } from './jwt-verifier.service';
import { OAuthTokenClient } from './oauth-token.client';
import { ScopesGuard } from './scopes.guard';
import { TokenService } from './token.service';
import { TokenStore } from './token.store';

/**
 * Inbound bearer-JWT auth for our own routes (`RequireScopes`) and the outbound OAuth2
 * token for partner calls (`TokenService`). Global, so feature modules need no import.
 */
@Global()
@Module({
  controllers: [AuthController],
  providers: [JwtVerifier, JwtAuthGuard, ScopesGuard, OAuthTokenClient, TokenStore, TokenService],
  exports: [JwtVerifier, JwtAuthGuard, ScopesGuard, TokenService],
})
export class AuthModule {}
