import { Writable } from 'node:stream';
import { QueryFailedError } from 'typeorm';
import { loggableUrl, redactDeep } from './log-redaction';
import { createPinoLogger, PinoLoggerService } from './logger';

const SECRET = 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LWJ5dGVzLTAxMjM0NTY3';

function capture(): {
  lines: () => Record<string, unknown>[];
  text: () => string;
  log: PinoLoggerService;
} {
  let text = '';
  const destination = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      text += chunk.toString();
      callback();
    },
  });
  const pino = createPinoLogger('info', destination);
  return {
    text: () => text,
    lines: () =>
      text
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    log: new PinoLoggerService(pino),
  };
}

describe('redactDeep', () => {
  it('censors secret keys inside arrays and nested objects', () => {
    expect(
      redactDeep({ hooks: [{ id: 'a', secret: 'x' }], nested: { deeper: [{ Password: 'p' }] } }),
    ).toEqual({
      hooks: [{ id: 'a', secret: '[redacted]' }],
      nested: { deeper: [{ Password: '[redacted]' }] },
    });
  });

  it('masks webhook secrets and bearer tokens inside strings', () => {
    expect(redactDeep([`key ${SECRET} end`, 'Authorization: Bearer abc.def-ghi'])).toEqual([
      'key whsec_[redacted] end',
      'Authorization: Bearer [redacted]',
    ]);
  });

  it('survives cycles and very deep objects', () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(redactDeep(cyclic)).toEqual({ a: 1, self: '[circular]' });
    let deep: Record<string, unknown> = {};
    for (let i = 0; i < 50; i += 1) {
      deep = { deep };
    }
    expect(JSON.stringify(redactDeep(deep))).toContain('[nested too deep]');
  });
});

describe('the logger', () => {
  it('never writes the bound values of a failed query, keeping the error class and SQL text', () => {
    const error = new QueryFailedError(
      'INSERT INTO partner_subscriptions (url, secret) VALUES (?, ?)',
      ['https://x.example/webhooks/partner', SECRET],
      Object.assign(new Error('injected'), {
        sql: `INSERT INTO partner_subscriptions (url, secret) VALUES ('u', '${SECRET}')`,
        code: 'ER_SIGNAL_EXCEPTION',
      }),
    );
    const { log, lines, text } = capture();
    log.error({ err: error, request_id: 'r1' }, 'ProblemDetailsFilter');
    log.error(new Error('outer', { cause: error }));
    log.warn({ msg: 'listing', subscriptions: [{ id: 1, secret: SECRET }, SECRET] });

    expect(text()).not.toContain('c2VjcmV0LXNpZ25pbmcta2V5');
    const [first] = lines();
    expect(first.err).toMatchObject({
      type: 'QueryFailedError',
      message: 'injected',
      query: 'INSERT INTO partner_subscriptions (url, secret) VALUES (?, ?)',
      parameters: '[redacted]',
      sql: '[redacted]',
      code: 'ER_SIGNAL_EXCEPTION',
    });
  });
});

describe('loggableUrl', () => {
  it.each([
    ['/products', '/products'],
    ['/products?limit=5&token=abc', '/products?limit=…&token=…'],
    ['/products?q=a%20b&', '/products?q=…'],
    ['/products?eyJhbGciOiJSUzI1NiJ9', '/products?…'],
    ['/p?a%3Dsecret=1', '/p?…'],
  ])('%s → %s', (url, expected) => {
    expect(loggableUrl(url)).toBe(expected);
  });
});
