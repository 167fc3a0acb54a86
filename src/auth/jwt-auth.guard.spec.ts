import { ExecutionContext } from '@nestjs/common';
import { InvalidTokenError, JwksUnavailableError, MissingCredentialsError } from './auth.errors';
import type { AuthenticatedRequest, AuthenticatedUser } from './authenticated-user';
import { bearerTokenOf, JwtAuthGuard } from './jwt-auth.guard';
import type { JwtVerifier } from './jwt-verifier.service';

function contextWith(request: Partial<AuthenticatedRequest>): ExecutionContext {
  return {
    switchToHttp: () => ({ getRequest: () => request }),
  } as unknown as ExecutionContext;
}

describe(JwtAuthGuard.name, () => {
  const alice: AuthenticatedUser = { sub: 'alice', scopes: ['products:write'] };
  const verified: string[] = [];
  const verifier = {
    verify: (token: string) => {
      verified.push(token);
      if (token === 'jwks-down') {
        return Promise.reject(new JwksUnavailableError());
      }
      return token === 'good.token.sig'
        ? Promise.resolve(alice)
        : Promise.reject(new InvalidTokenError('bad'));
    },
  } as unknown as JwtVerifier;
  const guard = new JwtAuthGuard(verifier);

  beforeEach(() => (verified.length = 0));

  it('records the verified caller on the request', async () => {
    const request: Partial<AuthenticatedRequest> = {
      headers: { authorization: 'Bearer good.token.sig' },
    };
    await expect(guard.canActivate(contextWith(request))).resolves.toBe(true);
    expect(request.user).toEqual(alice);
    expect(verified).toEqual(['good.token.sig']);
  });

  it('answers 401 without asking the verifier when no bearer token is sent', async () => {
    for (const authorization of [undefined, 'Basic dXNlcjpwYXNz']) {
      const request = { headers: authorization ? { authorization } : {} };
      await expect(guard.canActivate(contextWith(request))).rejects.toBeInstanceOf(
        MissingCredentialsError,
      );
    }
    for (const authorization of ['Bearer', 'Bearer a b']) {
      const request = { headers: { authorization } };
      await expect(guard.canActivate(contextWith(request))).rejects.toBeInstanceOf(
        InvalidTokenError,
      );
    }
    expect(verified).toEqual([]);
  });

  it('passes the verifier’s 401 and 503 on', async () => {
    await expect(
      guard.canActivate(contextWith({ headers: { authorization: 'Bearer forged' } })),
    ).rejects.toBeInstanceOf(InvalidTokenError);
    await expect(
      guard.canActivate(contextWith({ headers: { authorization: 'Bearer jwks-down' } })),
    ).rejects.toBeInstanceOf(JwksUnavailableError);
  });
});

describe('bearerTokenOf', () => {
  it('reads an RFC 6750 bearer credential, scheme case-insensitively', () => {
    expect(bearerTokenOf('Bearer abc.DEF-_~+/=')).toBe('abc.DEF-_~+/=');
    expect(bearerTokenOf('bearer \tabc ')).toBe('abc');
    expect(bearerTokenOf('Bearer a,b')).toBeNull();
    expect(bearerTokenOf(['Bearer abc'])).toBeNull();
    expect(bearerTokenOf(undefined)).toBeNull();
  });
});
