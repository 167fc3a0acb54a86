/** The development defaults production must not run with (see Env). */
export interface DevelopmentDefaults {
  readonly cursorSigningKey: string;
  readonly oauthClientSecret: string;
  /** AUTH_JWKS_URL, AUTH_ISSUER, OAUTH_TOKEN_URL pointing at the local partner simulator. */
  readonly urls: Readonly<Record<'AUTH_JWKS_URL' | 'AUTH_ISSUER' | 'OAUTH_TOKEN_URL', string>>;
}

/** HMAC-SHA256 keys shorter than the hash output are weaker than the hash. */
export const MIN_CURSOR_KEY_BYTES = 32;
/** The Standard Webhooks minimum secret size (24 bytes of key). */
export const MIN_WEBHOOK_KEY_BYTES = 24;

/** Values shipped in examples and manifests, never meant to run. */
const PLACEHOLDER =
  /replace[-_ ]?me|change[-_ ]?me|changeit|^(todo|tbd|placeholder|example|secret|password|dummy)$|^<.*>$|^\$\{.*\}$|^x{3,}$/i;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

const WHSEC_PREFIX = 'whsec_';

/** Bytes of HMAC key a webhook secret gives: the decoded part of `whsec_…`, else its UTF-8. */
export function webhookKeyBytes(secret: string): number {
  return secret.startsWith(WHSEC_PREFIX)
    ? Buffer.from(secret.slice(WHSEC_PREFIX.length), 'base64').length
    : Buffer.byteLength(secret, 'utf8');
}

export function isPlaceholder(value: string): boolean {
  return PLACEHOLDER.test(value.trim());
}

/** Plain http to a host other than this machine: tokens and keys would cross the network in clear. */
function isPlainHttpToAnotherHost(value: string): boolean {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return false;
  }
  return url.protocol === 'http:' && !LOOPBACK_HOSTS.has(url.hostname);
}

/** The variables the production checks read (a structural slice of the validated Env). */
export interface ProductionCheckedEnv {
  readonly CURSOR_SIGNING_KEY: string;
  readonly OAUTH_CLIENT_SECRET: string;
  readonly WEBHOOK_SECRET: string;
  readonly AUTH_JWKS_URL: string;
  readonly AUTH_ISSUER: string;
  readonly OAUTH_TOKEN_URL: string;
}

/**
 * What NODE_ENV=production refuses, one message per variable (never its value): secrets
 * unset, left at their development value, placeholders or too short; the simulator's
 * AUTH_ and OAUTH_ URLs (its private signing keys are committed); plain http to another host.
 * `set` lists the variables given in the environment (a default is never "set").
 */
export function productionProblems(
  env: ProductionCheckedEnv,
  set: ReadonlySet<string>,
  defaults: DevelopmentDefaults,
): string[] {
  const problems: string[] = [];
  const cursorKey = env.CURSOR_SIGNING_KEY;
  if (!set.has('CURSOR_SIGNING_KEY') || cursorKey === defaults.cursorSigningKey) {
    problems.push('CURSOR_SIGNING_KEY: must be set to a non-default value in production');
  } else if (isPlaceholder(cursorKey)) {
    problems.push('CURSOR_SIGNING_KEY: is a placeholder; set a random key in production');
  } else if (Buffer.byteLength(cursorKey, 'utf8') < MIN_CURSOR_KEY_BYTES) {
    problems.push(
      `CURSOR_SIGNING_KEY: must hold at least ${MIN_CURSOR_KEY_BYTES} bytes in production`,
    );
  }

  const clientSecret = env.OAUTH_CLIENT_SECRET;
  if (!set.has('OAUTH_CLIENT_SECRET') || clientSecret === defaults.oauthClientSecret) {
    problems.push('OAUTH_CLIENT_SECRET: must be set to a non-default value in production');
  } else if (clientSecret.trim() === '') {
    problems.push('OAUTH_CLIENT_SECRET: must not be empty in production');
  } else if (isPlaceholder(clientSecret)) {
    problems.push('OAUTH_CLIENT_SECRET: is a placeholder; set the real secret in production');
  }

  const webhookSecret = env.WEBHOOK_SECRET;
  if (webhookSecret !== '') {
    if (isPlaceholder(webhookSecret)) {
      problems.push('WEBHOOK_SECRET: is a placeholder; set the real secret or leave it empty');
    } else if (webhookKeyBytes(webhookSecret) < MIN_WEBHOOK_KEY_BYTES) {
      problems.push(
        `WEBHOOK_SECRET: must hold at least ${MIN_WEBHOOK_KEY_BYTES} bytes of key in production`,
      );
    }
  }

  for (const [name, simulatorValue] of Object.entries(defaults.urls)) {
    const value = env[name as keyof DevelopmentDefaults['urls']];
    if (value === simulatorValue) {
      problems.push(
        `${name}: points at the local partner simulator; set the real one in production`,
      );
    } else if (isPlainHttpToAnotherHost(value)) {
      problems.push(`${name}: must use https (plain http only to this machine) in production`);
    }
  }
  return problems;
}
