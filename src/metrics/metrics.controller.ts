import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipRateLimit } from '../common/http/rate-limit-policy.decorator';
import { IgnoresQuery } from '../common/http/strict-query.guard';
import { MetricsService } from './metrics.service';

@ApiTags('operations')
@SkipRateLimit()
@IgnoresQuery()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({
    summary: 'Prometheus metrics in the text exposition format',
    description:
      'Request durations, cache, rate-limit, webhook, partner and database counters of this ' +
      'instance (docs/operations.md lists them). Not rate-limited; query strings are ignored.',
  })
  @ApiProduces('text/plain')
  @ApiOkResponse({ description: 'Prometheus text format', schema: { type: 'string' } })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
