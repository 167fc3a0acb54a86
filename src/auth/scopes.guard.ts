import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { REQUIRED_SCOPES_KEY } from './auth.constants';
import { InsufficientScopeError, InvalidTokenError } from './auth.errors';
import type { AuthenticatedRequest } from './authenticated-user';

/** Requires every scope named by `@RequireScopes` on the handler or its controller. */
@Injectable()
export class ScopesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required =
      this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_SCOPES_KEY, [
        context.getHandler(),
        context.getClass(),
      ]) ?? [];
    if (required.length === 0) {
      return true;
    }
    const { user } = context.switchToHttp().getRequest<AuthenticatedRequest>();
    if (!user) {
      throw new InvalidTokenError();
    }
    const granted = new Set(user.scopes);
    if (!required.every((scope) => granted.has(scope))) {
      throw new InsufficientScopeError(required);
    }
    return true;
  }
}
