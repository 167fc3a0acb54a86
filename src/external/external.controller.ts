import { Body, Controller, Get, HttpCode, HttpStatus, Param, Post, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { RequireScopes, SCOPES } from '../auth';
import { PROBLEM_CONTENT_TYPE } from '../common/errors/problem-response';
import { ApiProblems, ProblemDto } from '../common/http/api-problem.decorator';
import { PartnerItemResponseDto, toPartnerItemResponse } from './dto/partner-item.response.dto';
import {
  SubscriptionListResponseDto,
  SubscriptionResponseDto,
  toSubscriptionResponse,
} from './dto/subscription.response.dto';
import { EmptyBodyPipe } from './empty-body.pipe';
import { EXTERNAL_TAG, PARTNER_ITEM_ID_PATTERN } from './external.constants';
import { ParsePartnerItemIdPipe } from './partner-item-id.pipe';
import { PartnerItemsService } from './partner-items.service';
import { SubscriptionsService } from './subscriptions.service';
import { RETRY_AFTER } from '../common/http/http-headers';

const RETRY_AFTER_HEADER = {
  [RETRY_AFTER]: {
    description: 'Seconds to wait before trying again',
    schema: { type: 'integer' },
  },
};

@ApiTags(EXTERNAL_TAG)
@ApiExtraModels(ProblemDto)
@Controller('external')
export class ExternalController {
  constructor(
    private readonly items: PartnerItemsService,
    private readonly subscriptions: SubscriptionsService,
  ) {}

  @Get('items/:id')
  @ApiOperation({
    summary: 'A partner item, live or (when the partner is unreachable) the last good copy',
    description:
      'Calls the partner with a per-attempt timeout inside an overall deadline, retrying ' +
      'network errors, timeouts, 5xx and 429 with backoff, behind a circuit breaker. No token needed.',
  })
  @ApiParam({
    name: 'id',
    description: "The partner's item id",
    example: 'MANGO-42',
    schema: { type: 'string', pattern: PARTNER_ITEM_ID_PATTERN.source, maxLength: 64 },
  })
  @ApiOkResponse({ type: PartnerItemResponseDto })
  @ApiProblems(400, 404, 502)
  @ApiResponse({
    status: 503,
    description: 'Partner unreachable (or its token unavailable) and no cached copy of the item',
    headers: RETRY_AFTER_HEADER,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
  })
  async getItem(@Param('id', ParsePartnerItemIdPipe) id: string): Promise<PartnerItemResponseDto> {
    return toPartnerItemResponse(await this.items.getItem(id));
  }

  @Post('subscriptions')
  @RequireScopes(SCOPES.SUBSCRIPTIONS_MANAGE)
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Register our webhook receiver at the partner (idempotent)',
    description:
      'Subscribes PUBLIC_BASE_URL + /webhooks/partner to inventory.updated and price.updated. ' +
      'Finds and reuses an existing partner subscription for that URL instead of creating ' +
      'another: 201 when it was created now, 200 when it already existed. The secret is ' +
      'stored for webhook verification and never returned. Takes no body fields.',
  })
  @ApiBody({
    required: false,
    description: 'No fields: send no body or `{}`',
    schema: { type: 'object', additionalProperties: false, maxProperties: 0 },
  })
  @ApiCreatedResponse({ type: SubscriptionResponseDto, description: 'Created at the partner now' })
  @ApiOkResponse({ type: SubscriptionResponseDto, description: 'Already registered; reused' })
  @ApiProblems(400, 502)
  @ApiResponse({
    status: 503,
    description:
      'Partner, its token endpoint or the JWKS unavailable; or a registration in progress',
    headers: RETRY_AFTER_HEADER,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: { $ref: getSchemaPath(ProblemDto) } } },
  })
  async register(
    @Body(EmptyBodyPipe) _body: Record<string, never>,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<SubscriptionResponseDto> {
    const { subscription, created } = await this.subscriptions.register();
    void reply.status(created ? HttpStatus.CREATED : HttpStatus.OK);
    return toSubscriptionResponse(subscription);
  }

  @Get('subscriptions')
  @RequireScopes(SCOPES.SUBSCRIPTIONS_MANAGE)
  @ApiOperation({
    summary: 'Stored partner webhook subscriptions (never their secrets)',
    description:
      'The subscriptions registered at the partner through POST /external/subscriptions, ' +
      'as stored here; the signing secret of each is kept for verification and never returned.',
  })
  @ApiOkResponse({ type: SubscriptionListResponseDto })
  async list(): Promise<SubscriptionListResponseDto> {
    return { data: (await this.subscriptions.list()).map(toSubscriptionResponse) };
  }
}
