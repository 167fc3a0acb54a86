import { Inject, Injectable } from '@nestjs/common';
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { setTimeout as sleep } from 'node:timers/promises';
import { authConfig, AuthConfig } from '../config/configuration';
import {
  JWKS_COOLDOWN_MS,
  JWKS_MAX_AGE_MS,
  JWKS_TIMEOUT_MS,
  JWT_ALGORITHMS,
  JWT_CLOCK_TOLERANCE_S,
  PRODUCER_ID_CLAIM,
  VERIFIED_TOKEN_CACHE_MAX_AGE_MS,
  VERIFIED_TOKEN_CACHE_MAX_ENTRIES,
} from './auth.constants';
import { InvalidTokenError, JwksUnavailableError } from './auth.errors';
import type { AuthenticatedUser } from './authenticated-user';

interface CachedVerification {
  readonly user: AuthenticatedUser;
  readonly validUntilMs: number;
}

/** Key-set errors that say "this token is bad"; anything else means the keys could not be fetched. */
const TOKEN_KEY_ERRORS = [
  errors.JWKSNoMatchingKey,
  errors.JWKSMultipleMatchingKeys,
  errors.JOSENotSupported,
  errors.JOSEAlgNotAllowed,
  errors.JWKInvalid,
];

/** Splits the space-separated `scope` claim (RFC 8693 §4.2); `scp` arrays are accepted too. */
export function scopesOf(payload: JWTPayload): string[] {
  if (typeof payload.scope === 'string') {
    return payload.scope.split(' ').filter(Boolean);
  }
  if (Array.isArray(payload.scp)) {
    return payload.scp.filter((s): s is string => typeof s === 'string');
  }
  return [];
}

/**
 * Verifies inbound bearer JWTs against the issuer's remote JWKS: signature (RS256/ES256),
 * `iss`, `aud`, `exp`/`nbf` with a small clock tolerance. Keys are cached by jose and
 * refetched when a token names an unknown `kid` (key rotation). Successful verifications
 * are cached in-process until the token expires, so the guard and the rate limiter can
 * both call `verify` cheaply.
 */
@Injectable()
export class JwtVerifier {
  private readonly keySet: ReturnType<typeof createRemoteJWKSet>;
  private readonly getKey: JWTVerifyGetKey;
  private readonly verified = new Map<string, CachedVerification>();

  constructor(@Inject(authConfig.KEY) private readonly config: AuthConfig) {
    this.keySet = createRemoteJWKSet(new URL(config.jwt.jwksUrl), {
      timeoutDuration: JWKS_TIMEOUT_MS,
      cooldownDuration: JWKS_COOLDOWN_MS,
      cacheMaxAge: JWKS_MAX_AGE_MS,
    });
    this.getKey = async (header, token) => {
      try {
        return await this.keySet(header, token);
      } catch (error) {
        if (error instanceof errors.JWKSNoMatchingKey && this.keySet.coolingDown) {
          // A just-rotated kid seen within the cooldown: wait it out and look once more,
          // instead of rejecting a valid token or refetching on every unknown kid.
          await sleep(JWKS_COOLDOWN_MS);
          return this.keySet(header, token).catch((retryError: unknown) => {
            throw this.classify(retryError);
          });
        }
        throw this.classify(error);
      }
    };
  }

  /** Returns the caller's identity, or throws InvalidTokenError / JwksUnavailableError. */
  async verify(token: string): Promise<AuthenticatedUser> {
    const cached = this.verified.get(token);
    if (cached && cached.validUntilMs > Date.now()) {
      return cached.user;
    }
    if (cached) {
      this.verified.delete(token);
    }
    const payload = await this.verifySignatureAndClaims(token);
    const user = userOf(payload);
    this.remember(token, user, (payload.exp as number) * 1000);
    return user;
  }

  private async verifySignatureAndClaims(token: string): Promise<JWTPayload> {
    try {
      const { payload } = await jwtVerify(token, this.getKey, {
        algorithms: JWT_ALGORITHMS,
        issuer: this.config.jwt.issuer,
        audience: this.config.jwt.audience,
        clockTolerance: JWT_CLOCK_TOLERANCE_S,
        // `sub` is checked by userOf, which also checks its type.
        requiredClaims: ['exp'],
      });
      return payload;
    } catch (error) {
      if (error instanceof JwksUnavailableError) {
        throw error;
      }
      throw new InvalidTokenError(describeJoseError(error));
    }
  }

  /**
   * Network errors, timeouts, non-200 or non-JSON JWKS answers become a 503. Checked by
   * exclusion because fetch's TypeError may come from another realm (instanceof Error fails).
   */
  private classify(error: unknown): unknown {
    return TOKEN_KEY_ERRORS.some((type) => error instanceof type)
      ? error
      : new JwksUnavailableError();
  }

  private remember(token: string, user: AuthenticatedUser, expMs: number): void {
    const validUntilMs = Math.min(expMs, Date.now() + VERIFIED_TOKEN_CACHE_MAX_AGE_MS);
    if (this.verified.size >= VERIFIED_TOKEN_CACHE_MAX_ENTRIES) {
      const oldest = this.verified.keys().next();
      if (!oldest.done) {
        this.verified.delete(oldest.value);
      }
    }
    this.verified.set(token, { user, validUntilMs });
  }
}

const PRODUCER_ID = /^[1-9][0-9]{0,15}$/;

/**
 * The caller from a verified payload. `sub` must be a non-empty string (RFC 9068 §2.2): a
 * number, array or empty string would break everything keyed by it (rate limits,
 * idempotency scopes). `producer_id`, when present, must be a positive integer.
 */
export function userOf(payload: JWTPayload): AuthenticatedUser {
  const { sub } = payload;
  if (sub === undefined) {
    throw new InvalidTokenError('The bearer token has no "sub" claim');
  }
  if (typeof sub !== 'string' || sub.length === 0) {
    throw new InvalidTokenError('The bearer token\'s "sub" claim must be a non-empty string');
  }
  const user: AuthenticatedUser = { sub, scopes: scopesOf(payload) };
  const producerId = payload[PRODUCER_ID_CLAIM];
  if (producerId === undefined) {
    return user;
  }
  const text =
    typeof producerId === 'number' || typeof producerId === 'string' ? String(producerId) : '';
  if (!PRODUCER_ID.test(text) || !Number.isSafeInteger(Number(text))) {
    throw new InvalidTokenError(
      `The bearer token's "${PRODUCER_ID_CLAIM}" claim must be a positive integer`,
    );
  }
  return { ...user, producerId: Number(text) };
}

/** A short reason for the problem detail; never echoes the token itself. */
function describeJoseError(error: unknown): string {
  if (error instanceof errors.JWTExpired) {
    return 'The bearer token has expired';
  }
  if (error instanceof errors.JWTClaimValidationFailed) {
    return `The bearer token's "${error.claim}" claim is not valid here`;
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return 'The bearer token signature does not verify';
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return 'The bearer token is signed with an unknown key';
  }
  if (error instanceof errors.JOSEAlgNotAllowed || error instanceof errors.JOSENotSupported) {
    return 'The bearer token uses an algorithm that is not accepted';
  }
  return 'The bearer token is malformed or invalid';
}
