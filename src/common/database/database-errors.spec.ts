import { QueryFailedError } from 'typeorm';
import { isDatabaseUnavailable, unavailableReason } from './database-errors';

const withCode = (code: string, extra: Record<string, unknown> = {}): Error =>
  Object.assign(new Error(code), { code, ...extra });

describe('isDatabaseUnavailable', () => {
  it.each([
    'ECONNREFUSED',
    'ECONNRESET',
    'ETIMEDOUT',
    'PROTOCOL_CONNECTION_LOST',
    'PROTOCOL_SEQUENCE_TIMEOUT',
    'ER_SERVER_SHUTDOWN',
    'ER_CON_COUNT_ERROR',
    'DB_ACQUIRE_TIMEOUT',
  ])('is true for %s, bare and wrapped by TypeORM', (code) => {
    expect(isDatabaseUnavailable(withCode(code))).toBe(true);
    expect(isDatabaseUnavailable(new QueryFailedError('SELECT 1', [], withCode(code)))).toBe(true);
    expect(unavailableReason(new QueryFailedError('SELECT 1', [], withCode(code)))).toBe(code);
  });

  it('is true for fatal connection errors and a closed connection', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { fatal: true }))).toBe(true);
    expect(
      isDatabaseUnavailable(new Error("Can't add new command when connection is in closed state")),
    ).toBe(true);
  });

  it('is false for errors that are about the request or the data', () => {
    expect(isDatabaseUnavailable(withCode('ER_DUP_ENTRY'))).toBe(false);
    expect(isDatabaseUnavailable(new QueryFailedError('x', [], withCode('ER_PARSE_ERROR')))).toBe(
      false,
    );
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
    expect(isDatabaseUnavailable('ECONNREFUSED')).toBe(false);
  });
});
