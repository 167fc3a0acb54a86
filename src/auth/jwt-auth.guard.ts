import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { InvalidTokenError, MissingCredentialsError } from './auth.errors';
import type { AuthenticatedRequest } from './authenticated-user';
import { JwtVerifier } from './jwt-verifier.service';

const BEARER = /^Bearer[ \t]+([A-Za-z0-9\-._~+/]+=*)[ \t]*$/i;
const BEARER_SCHEME = /^Bearer([ \t]|$)/i;

/** Extracts the RFC 6750 bearer credential from an Authorization header, if there is one. */
export function bearerTokenOf(authorization: string | string[] | undefined): string | null {
  if (typeof authorization !== 'string') {
    return null;
  }
  const match = BEARER.exec(authorization);
  return match ? match[1] : null;
}

/**
 * Lets a request through only with a verified bearer JWT, and records who it is as
 * `request.user = { sub, scopes }`. Use it through `@RequireScopes(...)`.
 */
@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly verifier: JwtVerifier) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const { authorization } = request.headers;
    if (typeof authorization !== 'string' || !BEARER_SCHEME.test(authorization.trim())) {
      throw new MissingCredentialsError();
    }
    const token = bearerTokenOf(authorization);
    if (!token) {
      throw new InvalidTokenError('The bearer token is malformed (Authorization: Bearer <JWT>)');
    }
    request.user = await this.verifier.verify(token);
    return true;
  }
}
