import { Inject, Injectable } from '@nestjs/common';
import { authConfig, AuthConfig } from '../../config/configuration';
import { TOKEN_DEFAULT_EXPIRES_IN_S, TOKEN_FETCH_TIMEOUT_MS } from './partner-token.constants';

/** A successful token response, reduced to what the cache needs. */
export interface TokenGrant {
  readonly accessToken: string;
  readonly expiresInS: number;
}

/**
 * Why a token request failed, safe to log: a status and the OAuth `error` code, never
 * the request (which carries the client secret) or a response body with a token.
 */
export class TokenEndpointError extends Error {
  override readonly name = 'TokenEndpointError';
  constructor(
    readonly reason: 'timeout' | 'network' | 'http' | 'bad_response',
    readonly status: number | null = null,
    readonly oauthError: string | null = null,
  ) {
    super(
      `Token endpoint failed: ${reason}` +
        (status !== null ? ` (HTTP ${status}${oauthError ? `, ${oauthError}` : ''})` : ''),
    );
  }
}

/** RFC 6749 §2.3.1: client id and secret are form-urlencoded before the Basic base64 step. */
const formEncode = (value: string): string => new URLSearchParams({ v: value }).toString().slice(2);

export function basicAuthorization(clientId: string, clientSecret: string): string {
  const pair = `${formEncode(clientId)}:${formEncode(clientSecret)}`;
  return `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
}

/** Sorted, de-duplicated scope string, so equal scope sets share one cache entry. */
export function normalizeScope(scope: string): string {
  return [...new Set(scope.split(/\s+/).filter(Boolean))].sort().join(' ');
}

/**
 * One OAuth2 client-credentials grant (RFC 6749 §4.4) against OAUTH_TOKEN_URL, the client
 * authenticated as OAUTH_CLIENT_AUTH says (`client_secret_basic` or `client_secret_post`),
 * with the RFC 8707 `resource` indicator when OAUTH_RESOURCE is set. Uses the
 * global fetch with an AbortSignal timeout: one dependency-free request whose errors
 * carry no request configuration (and therefore no credentials) into logs.
 */
@Injectable()
export class OAuthTokenClient {
  constructor(@Inject(authConfig.KEY) private readonly config: AuthConfig) {}

  async requestToken(): Promise<TokenGrant> {
    const { tokenUrl, clientId, clientSecret, audience, scope, clientAuth, resource } =
      this.config.oauth;
    const body = new URLSearchParams({ grant_type: 'client_credentials' });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    };
    // RFC 6749 §2.3.1: one authentication method per request, never both.
    if (clientAuth === 'client_secret_post') {
      body.set('client_id', clientId);
      body.set('client_secret', clientSecret);
    } else {
      headers.authorization = basicAuthorization(clientId, clientSecret);
    }
    if (audience) {
      body.set('audience', audience);
    }
    if (resource) {
      body.set('resource', resource);
    }
    const scopes = normalizeScope(scope);
    if (scopes) {
      body.set('scope', scopes);
    }
    let response: Response;
    try {
      response = await fetch(tokenUrl, {
        method: 'POST',
        headers,
        body,
        redirect: 'error',
        signal: AbortSignal.timeout(TOKEN_FETCH_TIMEOUT_MS),
      });
    } catch (error) {
      const name = (error as Error | undefined)?.name;
      throw new TokenEndpointError(name === 'TimeoutError' ? 'timeout' : 'network');
    }
    return this.readGrant(response);
  }

  private async readGrant(response: Response): Promise<TokenGrant> {
    let json: unknown;
    try {
      json = await response.json();
    } catch (error) {
      const name = (error as Error | undefined)?.name;
      throw new TokenEndpointError(
        name === 'TimeoutError' ? 'timeout' : 'bad_response',
        response.status,
      );
    }
    const body = (typeof json === 'object' && json !== null ? json : {}) as Record<string, unknown>;
    if (!response.ok) {
      const code = typeof body.error === 'string' ? body.error.slice(0, 64) : null;
      throw new TokenEndpointError('http', response.status, code);
    }
    const tokenType = body.token_type;
    if (
      typeof body.access_token !== 'string' ||
      body.access_token.length === 0 ||
      (typeof tokenType === 'string' && tokenType.toLowerCase() !== 'bearer')
    ) {
      throw new TokenEndpointError('bad_response', response.status);
    }
    const expiresIn = Number(body.expires_in);
    return {
      accessToken: body.access_token,
      expiresInS:
        Number.isFinite(expiresIn) && expiresIn > 0 ? expiresIn : TOKEN_DEFAULT_EXPIRES_IN_S,
    };
  }
}
