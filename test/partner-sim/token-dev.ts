import 'reflect-metadata';
import { parseArgs } from 'node:util';
import { loadDotEnvFile } from '../../src/config/env.validation';
import { DEV_KEYS_FILE, JwtIssuer, loadKeyFile } from './jwt-issuer';
import type { JwtAlg } from './types';

const USAGE = `Usage: npm run -s token:dev -- [--scope "products:write subscriptions:manage"]
                          [--sub dev-user] [--expires-in 3600] [--alg RS256|ES256]
                          [--producer N]

Prints a JWT signed with the partner simulator's development keys, for AUTH_ISSUER
(default http://127.0.0.1:4010) and AUTH_AUDIENCE (default farmlokal-api), read from the
environment or .env as the service reads them. Scopes the service knows: products:write,
producers:write, subscriptions:manage. With --producer N the token acts for producer N
(its producer_id claim): it may change that producer only, and create, change and delete
only that producer's products.
`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      scope: { type: 'string', default: 'products:write subscriptions:manage' },
      sub: { type: 'string', default: 'dev-user' },
      'expires-in': { type: 'string', default: '3600' },
      alg: { type: 'string', default: 'RS256' },
      producer: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  loadDotEnvFile();
  const alg = values.alg as JwtAlg;
  if (alg !== 'RS256' && alg !== 'ES256') {
    throw new Error('--alg must be RS256 or ES256');
  }
  const expiresInS = Number(values['expires-in']);
  if (!Number.isFinite(expiresInS)) {
    throw new Error('--expires-in must be a number of seconds');
  }
  const producer = values.producer;
  if (producer !== undefined && !/^[1-9][0-9]{0,15}$/.test(producer)) {
    throw new Error('--producer must be a positive integer (a producer id)');
  }
  const issuer = new JwtIssuer(
    {
      issuer: process.env.AUTH_ISSUER || 'http://127.0.0.1:4010',
      audience: process.env.AUTH_AUDIENCE || 'farmlokal-api',
    },
    loadKeyFile(DEV_KEYS_FILE),
  );
  const token = await issuer.issue({
    scope: values.scope,
    sub: values.sub,
    expiresInS,
    alg,
    claims: producer === undefined ? undefined : { producer_id: Number(producer) },
  });
  process.stdout.write(`${token}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`token:dev: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
