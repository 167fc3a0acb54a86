import { SignJWT } from 'jose';
import {
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  KeyObject,
  randomBytes,
  randomUUID,
  type JsonWebKey,
} from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { IssueJwtOptions, JwtAlg } from './types';

/** Committed development key pair shared by `npm run partner:sim` and `npm run token:dev`. */
export const DEV_KEYS_FILE = join(__dirname, 'keys', 'dev-signing-keys.json');

const ALGS: readonly JwtAlg[] = ['RS256', 'ES256'];

interface SigningKey {
  kid: string;
  alg: JwtAlg;
  privateKey: KeyObject;
  publicJwk: JsonWebKey;
}

export interface StoredKey extends JsonWebKey {
  kid: string;
  alg: JwtAlg;
}

export interface JwtDefaults {
  issuer: string;
  audience: string;
}

function generatePrivateKey(alg: JwtAlg): KeyObject {
  return alg === 'RS256'
    ? generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey
    : generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey;
}

function toSigningKey(kid: string, alg: JwtAlg, privateKey: KeyObject): SigningKey {
  const publicJwk = createPublicKey(privateKey).export({ format: 'jwk' });
  return { kid, alg, privateKey, publicJwk };
}

function freshKey(alg: JwtAlg): SigningKey {
  const kid = `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`;
  return toSigningKey(kid, alg, generatePrivateKey(alg));
}

/** Reads private JWKs (with `kid` and `alg`) from a JSON file `{ "keys": [...] }`. */
export function loadKeyFile(path: string): StoredKey[] {
  const parsed = JSON.parse(readFileSync(path, 'utf8')) as { keys: StoredKey[] };
  return parsed.keys;
}

/** Generates one private JWK per algorithm, in the format `loadKeyFile` reads. */
export function generateKeyFileContent(prefix: string): { keys: StoredKey[] } {
  return {
    keys: ALGS.map((alg) => ({
      ...generatePrivateKey(alg).export({ format: 'jwk' }),
      kid: `${prefix}-${alg.toLowerCase()}`,
      alg,
    })),
  };
}

/** Signing keys published in the JWKS, and JWT issuance with deliberate defects on demand. */
export class JwtIssuer {
  private active = new Map<JwtAlg, SigningKey>();
  private published: SigningKey[] = [];
  private readonly rogue = new Map<JwtAlg, KeyObject>();

  constructor(
    private readonly defaults: JwtDefaults,
    stored?: readonly StoredKey[],
  ) {
    const keys = stored
      ? stored.map((jwk) =>
          toSigningKey(jwk.kid, jwk.alg, createPrivateKey({ key: jwk, format: 'jwk' })),
        )
      : ALGS.map(freshKey);
    for (const alg of ALGS) {
      const key = keys.find((candidate) => candidate.alg === alg) ?? freshKey(alg);
      this.active.set(alg, key);
      this.published.push(key);
    }
  }

  /** The public JWK Set served at /.well-known/jwks.json. */
  jwks(): { keys: JsonWebKey[] } {
    return {
      keys: this.published.map((key) => ({
        ...key.publicJwk,
        kid: key.kid,
        alg: key.alg,
        use: 'sig',
      })),
    };
  }

  /** Kids currently used for signing, per algorithm. */
  activeKids(): Record<JwtAlg, string> {
    return { RS256: this.signingKey('RS256').kid, ES256: this.signingKey('ES256').kid };
  }

  /** Publishes and signs with new keys; the previous ones stay published unless retired. */
  rotate(options: { retirePrevious?: boolean } = {}): Record<JwtAlg, string> {
    const fresh = ALGS.map(freshKey);
    this.active = new Map(fresh.map((key) => [key.alg, key]));
    this.published = options.retirePrevious ? fresh : [...this.published, ...fresh];
    return this.activeKids();
  }

  async issue(options: IssueJwtOptions = {}): Promise<string> {
    const alg = options.alg ?? 'RS256';
    const key = this.signingKey(alg);
    const now = Math.floor(Date.now() / 1000);
    const payload: Record<string, unknown> = { ...options.claims };
    if (options.scope !== undefined) {
      payload.scope = options.scope;
    }
    if (options.notBeforeS !== undefined) {
      payload.nbf = now + options.notBeforeS;
    }
    return new SignJWT(payload)
      .setProtectedHeader({ alg, kid: options.kid ?? key.kid, typ: 'JWT' })
      .setIssuer(options.issuer ?? this.defaults.issuer)
      .setAudience(options.audience ?? this.defaults.audience)
      .setSubject(options.sub ?? 'dev-user')
      .setIssuedAt(now)
      .setExpirationTime(now + (options.expiresInS ?? 300))
      .setJti(randomUUID())
      .sign(options.unknownKey ? this.rogueKey(alg) : key.privateKey);
  }

  private signingKey(alg: JwtAlg): SigningKey {
    const key = this.active.get(alg);
    if (!key) {
      throw new Error(`no signing key for ${alg}`);
    }
    return key;
  }

  private rogueKey(alg: JwtAlg): KeyObject {
    let key = this.rogue.get(alg);
    if (!key) {
      key = generatePrivateKey(alg);
      this.rogue.set(alg, key);
    }
    return key;
  }
}
