import { Controller, Get, HttpCode, HttpStatus } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems } from '../../common/http/api-problem.decorator';
import { TokenStatusDto } from './dto/token-status.dto';
import { TokenService } from './token.service';

/**
 * GET /auth/token/status: the state of the outbound partner token. Named, like every
 * controller, after its path prefix; inbound auth lives in src/auth/.
 */
@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly tokens: TokenService) {}

  @Get('token/status')
  @HttpCode(HttpStatus.OK)
  @ApiOperation({
    summary: 'Partner access token status',
    description:
      'Whether the OAuth2 client-credentials token used for partner calls is cached ' +
      '(shared by every instance through Redis), how long it remains valid and when it was ' +
      'fetched. Needs no authentication and never returns the token.',
  })
  @ApiOkResponse({ type: TokenStatusDto })
  @ApiProblems(400, 429, 500)
  tokenStatus(): Promise<TokenStatusDto> {
    return this.tokens.status();
  }
}
