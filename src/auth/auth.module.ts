import { Global, Module } from '@nestjs/common';
import { AuthController } from '../external/partner-token/token-status.controller';
import { JwtAuthGuard } from './jwt-auth.guard';
import { JwtVerifier } from './jwt-verifier.service';
import { OAuthTokenClient } from '../external/partner-token/oauth-token.client';
import { ScopesGuard } from './scopes.guard';
import { TokenService } from '../external/partner-token/token.service';
import { TokenStore } from '../external/partner-token/token.store';

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
