import { applyDecorators, SetMetadata, UseGuards } from '@nestjs/common';
import { ApiBearerAuth } from '@nestjs/swagger';
import { ApiProblems } from '../common/http/api-problem.decorator';
import { BEARER_SCHEME, REQUIRED_SCOPES_KEY } from './auth.constants';
import { JwtAuthGuard } from './jwt-auth.guard';
import { ScopesGuard } from './scopes.guard';

/**
 * Protects a route (or every route of a controller) with a bearer JWT carrying all of
 * `scopes`: no token or a bad one → 401, missing scope → 403, JWKS unreachable → 503.
 * Also documents the bearer scheme and those problems in the OpenAPI document.
 *
 * @example `@RequireScopes(SCOPES.PRODUCTS_WRITE)`
 */
export function RequireScopes(...scopes: string[]): MethodDecorator & ClassDecorator {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPES_KEY, scopes),
    UseGuards(JwtAuthGuard, ScopesGuard),
    ApiBearerAuth(BEARER_SCHEME),
    ApiProblems(401, 403, 503),
  );
}
