import { AppError } from '../../common/errors/app.error';
import { RETRY_AFTER } from '../../common/http/http-headers';
import { TOKEN_RETRY_AFTER_S } from './partner-token.constants';

/** No partner access token could be obtained within the bounded wait. */
export class TokenUnavailableError extends AppError {
  constructor(detail = 'No partner access token could be obtained; try again shortly') {
    super('TOKEN_UNAVAILABLE', detail, {
      headers: { [RETRY_AFTER]: String(TOKEN_RETRY_AFTER_S) },
    });
  }
}
