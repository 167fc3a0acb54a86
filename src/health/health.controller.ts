import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheckService, HealthCheckResult, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { AppError } from '../common/errors/app.error';
import { ApiProblems } from '../common/http/api-problem.decorator';
import { SkipRateLimit } from '../common/http/rate-limit-policy.decorator';
import { IgnoresQuery } from '../common/http/strict-query.guard';
import { LifecycleService } from './lifecycle.service';
import { RecentResult } from './recent-result';
import { RedisHealthIndicator } from './redis.health';

const CHECK_TIMEOUT_MS = 1_000;
/** Readiness answers from a check at most this old, so probes cannot multiply DB load. */
export const READINESS_MAX_AGE_MS = 1_000;

type Readiness = { status: 'ok'; checks: Record<string, string> };

@ApiTags('health')
@SkipRateLimit()
@IgnoresQuery()
@Controller('health')
export class HealthController {
  private readonly readiness = new RecentResult(
    () => this.checkDependencies(),
    READINESS_MAX_AGE_MS,
  );

  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly redis: RedisHealthIndicator,
    private readonly lifecycle: LifecycleService,
  ) {}

  @Get('live')
  @ApiOperation({
    summary: 'Liveness: the process can serve; checks no dependency',
    description:
      'Always 200 while the process runs its event loop; MySQL and Redis are not consulted, ' +
      'so an outage of either never restarts the service. Query strings are ignored.',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok' } } })
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  @ApiOperation({
    summary: 'Readiness: MySQL and Redis answer, and no shutdown has begun',
    description:
      'Answers from a check of MySQL and Redis at most 1 s old: concurrent probes share one ' +
      'check. 503 from the moment shutdown begins, whatever the last check said. Query strings ' +
      '(cache busters) are ignored.',
  })
  @ApiOkResponse({ schema: { example: { status: 'ok', checks: { database: 'up', redis: 'up' } } } })
  @ApiProblems(503)
  async ready(): Promise<Readiness> {
    if (this.lifecycle.isShuttingDown) {
      throw new AppError('SERVICE_UNAVAILABLE', 'Not ready: shutdown in progress');
    }
    return this.readiness.get();
  }

  private async checkDependencies(): Promise<Readiness> {
    const result = await this.health
      .check([
        () => this.db.pingCheck('database', { timeout: CHECK_TIMEOUT_MS }),
        () => this.redis.pingCheck('redis', CHECK_TIMEOUT_MS),
      ])
      .catch((error: { getResponse?: () => HealthCheckResult }) => {
        // The problem keeps to the standard members; `detail` names the failing checks.
        const failing = Object.keys(error.getResponse?.()?.error ?? {}).join(', ') || 'unknown';
        throw new AppError('SERVICE_UNAVAILABLE', `Not ready: ${failing} unavailable`);
      });
    const checks = Object.fromEntries(
      Object.entries(result.details).map(([name, detail]) => [name, detail.status]),
    );
    return { status: 'ok', checks };
  }
}
