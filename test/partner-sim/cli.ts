import { parseArgs } from 'node:util';
import { faultFromSnakeCase } from './control';
import { startPartnerSim } from './partner-sim';
import type { FaultSpec, OAuthSettings } from './types';

const USAGE = `Usage: npm run partner:sim -- [options]

  --port N                 port (env PARTNER_SIM_PORT, default 4010)
  --host H                 bind address (env PARTNER_SIM_HOST, default 0.0.0.0)
  --fault SPEC             fault to start with, repeatable (env PARTNER_SIM_FAULTS, ';'-separated)
                           SPEC = mode[,key=value...], keys as in POST /_control/faults, e.g.
                           latency,latency_ms=800   error_rate,rate=0.3,status=503
                           hang,item_id=13          fail_next,count=2,status=502
                           rate_limit,count=3,retry_after_s=2   not_found,item_id=404
  --token-expires-in S     expires_in of access tokens (env PARTNER_SIM_TOKEN_EXPIRES_IN, default 3600)
  --oauth-latency-ms MS    token endpoint delay (env PARTNER_SIM_OAUTH_LATENCY_MS, default 0)
  --quiet                  no request log
`;

/** `mode,key=value,...` → a fault. */
export function parseFault(spec: string): FaultSpec {
  const [mode, ...pairs] = spec.split(',').map((part) => part.trim());
  const body: Record<string, unknown> = { mode };
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) {
      throw new Error(`bad fault option "${pair}" in "${spec}"`);
    }
    body[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return faultFromSnakeCase(body);
}

function numberOrUndefined(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === '') {
    return undefined;
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed < 0) {
    throw new Error(`${name} must be a non-negative number`);
  }
  return parsed;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      fault: { type: 'string', multiple: true },
      'token-expires-in': { type: 'string' },
      'oauth-latency-ms': { type: 'string' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return;
  }
  const env = process.env;
  const faultSpecs = [
    ...(env.PARTNER_SIM_FAULTS ?? '').split(';').filter((s) => s.trim() !== ''),
    ...(values.fault ?? []),
  ];
  const oauth: Partial<OAuthSettings> = {};
  const expiresIn = numberOrUndefined(
    'token expires-in',
    values['token-expires-in'] ?? env.PARTNER_SIM_TOKEN_EXPIRES_IN,
  );
  const latency = numberOrUndefined(
    'oauth latency',
    values['oauth-latency-ms'] ?? env.PARTNER_SIM_OAUTH_LATENCY_MS,
  );
  if (expiresIn !== undefined) {
    oauth.expiresInS = expiresIn;
  }
  if (latency !== undefined) {
    oauth.latencyMs = latency;
  }
  const port = numberOrUndefined('port', values.port ?? env.PARTNER_SIM_PORT) ?? 4010;
  const sim = await startPartnerSim({
    port,
    host: values.host ?? env.PARTNER_SIM_HOST ?? '0.0.0.0',
    signingKeys: 'dev',
    oauth,
    faults: faultSpecs.map(parseFault),
    log: values.quiet ? undefined : (line) => process.stdout.write(`[partner-sim] ${line}\n`),
  });
  process.stdout.write(
    `[partner-sim] listening on ${sim.url} (token ${sim.url}/oauth/token, JWKS ${sim.url}/.well-known/jwks.json)\n`,
  );
  if (faultSpecs.length > 0) {
    process.stdout.write(`[partner-sim] faults: ${faultSpecs.join('; ')}\n`);
  }
  const shutdown = () => {
    void sim.stop().then(() => process.exit(0));
  };
  process.once('SIGINT', shutdown);
  process.once('SIGTERM', shutdown);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    process.stderr.write(
      `[partner-sim] ${error instanceof Error ? error.message : String(error)}\n`,
    );
    process.exit(1);
  });
}
