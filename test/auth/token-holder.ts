/**
 * A bare TokenService in its own process, for the "lock holder killed mid-fetch" test:
 * it asks for a token (taking the fleet lock) and is SIGKILLed while the request hangs.
 * Reads the same environment as the service.
 */
import { OAuthTokenClient } from '../../src/external/partner-token/oauth-token.client';
import { TokenService } from '../../src/external/partner-token/token.service';
import { TokenStore } from '../../src/external/partner-token/token.store';
import { createRedisClient } from '../../src/common/redis/redis.module';
import { authConfig, redisConfig } from '../../src/config/configuration';
import { MetricsService } from '../../src/metrics/metrics.service';

async function main(): Promise<void> {
  const auth = authConfig();
  const redis = createRedisClient(redisConfig());
  await new Promise<void>((resolve) => redis.once('ready', () => resolve()));
  const tokens = new TokenService(
    new TokenStore(redis, auth),
    new OAuthTokenClient(auth),
    new MetricsService(),
  );
  process.stdout.write('ready\n');
  await tokens.getToken();
  process.stdout.write('token\n');
  redis.disconnect();
}

void main();
