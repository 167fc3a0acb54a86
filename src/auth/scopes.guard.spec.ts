import { ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InsufficientScopeError, InvalidTokenError } from './auth.errors';
import type { AuthenticatedUser } from './authenticated-user';
import { RequireScopes } from './scopes.decorator';
import { ScopesGuard } from './scopes.guard';

@RequireScopes('catalog:read')
class ProbeController {
  @RequireScopes('products:write', 'products:delete')
  remove(): void {}

  inherited(): void {}

  open(): void {}
}

function contextFor(
  handler: keyof ProbeController,
  user: AuthenticatedUser | undefined,
  target: object = ProbeController,
): ExecutionContext {
  return {
    getClass: () => target,
    getHandler: () => ProbeController.prototype[handler],
    switchToHttp: () => ({ getRequest: () => ({ user }) }),
  } as unknown as ExecutionContext;
}

describe(ScopesGuard.name, () => {
  const guard = new ScopesGuard(new Reflector());
  const user = (...scopes: string[]): AuthenticatedUser => ({ sub: 's', scopes });

  it('lets a caller through who holds every scope of the route', () => {
    expect(
      guard.canActivate(contextFor('remove', user('products:delete', 'x', 'products:write'))),
    ).toBe(true);
  });

  it('answers 403 naming the scopes when one is missing', () => {
    let caught: unknown;
    try {
      guard.canActivate(contextFor('remove', user('products:write')));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(InsufficientScopeError);
    expect((caught as InsufficientScopeError).headers).toEqual({
      'WWW-Authenticate':
        'Bearer error="insufficient_scope", scope="products:write products:delete"',
    });
  });

  it('uses the controller’s scopes where the route names none', () => {
    expect(guard.canActivate(contextFor('inherited', user('catalog:read')))).toBe(true);
    expect(() => guard.canActivate(contextFor('inherited', user()))).toThrow(
      InsufficientScopeError,
    );
  });

  it('answers 401 when scopes are required and nobody authenticated', () => {
    expect(() => guard.canActivate(contextFor('remove', undefined))).toThrow(InvalidTokenError);
  });

  it('requires nothing of routes without @RequireScopes', () => {
    expect(guard.canActivate(contextFor('open', undefined, class Plain {}))).toBe(true);
  });
});
