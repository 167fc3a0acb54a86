import { Controller, HttpCode, HttpStatus, Post, Req } from '@nestjs/common';
import {
  ApiBody,
  ApiExtraModels,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { PROBLEM_CONTENT_TYPE } from '../common/errors/problem-response';
import { ApiProblems, ProblemDto } from '../common/http/api-problem.decorator';
import { RateLimitGroup } from '../common/http/rate-limit-policy.decorator';
import { PartnerEventDto } from './dto/partner-event.dto';
import { WebhookAckDto } from './dto/webhook-ack.dto';
import { webhookHeadersOf } from './webhook-header-check';
import {
  PARTNER_WEBHOOK_PATH,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
  WEBHOOKS_ROUTE_PREFIX,
} from './webhooks.constants';
import { WebhooksService } from './webhooks.service';
import { RETRY_AFTER } from '../common/http/http-headers';

function rawBodyOf(request: FastifyRequest): Buffer {
  return Buffer.isBuffer(request.body) ? request.body : Buffer.alloc(0);
}

@ApiTags('webhooks')
@RateLimitGroup('webhooks')
@Controller(WEBHOOKS_ROUTE_PREFIX)
export class WebhooksController {
  constructor(private readonly webhooks: WebhooksService) {}

  @Post(PARTNER_WEBHOOK_PATH)
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Receive a partner event (Standard Webhooks v1)',
    description:
      'Verifies `webhook-signature` over the raw body with WEBHOOK_SECRET or any stored ' +
      'subscription secret, stores the event in the inbox and applies it exactly once per ' +
      '`webhook-id`: `inventory.updated` sets the stock, `price.updated` the price of the ' +
      'product with `data.sku`. An event older than the last one applied to the same ' +
      'product field is stored and ignored; a payload `timestamp` outside [delivery − 7 days, ' +
      'delivery + 5 min] is not trusted and the delivery time orders the event instead. ' +
      'Deliveries whose headers cannot verify are refused before the body is read. ' +
      'Svix senders may use `svix-id`, `svix-timestamp` and `svix-signature` instead of the ' +
      'three `webhook-*` headers. ' +
      'See docs/webhooks.md.',
  })
  @ApiHeader({
    name: WEBHOOK_ID_HEADER,
    required: true,
    description:
      'Event id, stable across retries (printable ASCII without `.`, ≤ 255); `svix-id` is ' +
      'accepted instead',
    example: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  })
  @ApiHeader({
    name: WEBHOOK_TIMESTAMP_HEADER,
    required: true,
    description:
      'Unix seconds of this attempt; must be within 5 minutes of now; `svix-timestamp` is ' +
      'accepted instead',
    example: '1614265330',
  })
  @ApiHeader({
    name: WEBHOOK_SIGNATURE_HEADER,
    required: true,
    description:
      'Space-separated `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{raw body}")>` list; ' +
      'one valid `v1` signature suffices, other versions are ignored; `svix-signature` is ' +
      'accepted instead',
    example: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
  })
  @ApiBody({ type: PartnerEventDto, description: 'At most 256 KiB; extra fields are accepted' })
  @ApiOkResponse({ type: WebhookAckDto, description: 'Stored and settled; see `status`' })
  @ApiExtraModels(ProblemDto)
  @ApiResponse({
    status: HttpStatus.CONFLICT,
    description: 'Another delivery of this event holds the processing lease; retry later',
    headers: { [RETRY_AFTER]: { description: 'Seconds to wait', schema: { type: 'integer' } } },
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
  })
  @ApiResponse({
    status: HttpStatus.INTERNAL_SERVER_ERROR,
    description: 'Processing failed; the event is not marked done and a redelivery retries it',
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
  })
  @ApiProblems(400, 401, 413, 429)
  async receive(@Req() request: FastifyRequest): Promise<WebhookAckDto> {
    const headers = webhookHeadersOf(request);
    const status = await this.webhooks.receive({ headers, rawBody: rawBodyOf(request) });
    return { status };
  }
}
