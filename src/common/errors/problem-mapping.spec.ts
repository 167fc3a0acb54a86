import {
  BadRequestException,
  HttpException,
  NotFoundException,
  PayloadTooLargeException,
} from '@nestjs/common';
import { AppError, ValidationProblemError } from './app.error';
import { problemOf, toProblem } from './problem-mapping';
import { problemBody, requestPath } from './problem-response';

describe('toProblem', () => {
  it('keeps an AppError’s code, detail, headers and extensions', () => {
    const error = new AppError('PARTNER_UNAVAILABLE', 'Partner down', {
      headers: { 'Retry-After': '3' },
      extensions: { reason: 'circuit_open' },
    });
    expect(toProblem(error)).toEqual({
      code: 'PARTNER_UNAVAILABLE',
      status: 503,
      title: 'Partner temporarily unavailable',
      detail: 'Partner down',
      headers: { 'Retry-After': '3' },
      extensions: { reason: 'circuit_open' },
    });
  });

  it('lists the failed fields of a validation problem as `errors`', () => {
    const problem = toProblem(new ValidationProblemError([{ field: 'limit', message: 'too big' }]));
    expect(problem).toMatchObject({ code: 'VALIDATION_FAILED', status: 400 });
    expect(problem.extensions).toEqual({ errors: [{ field: 'limit', message: 'too big' }] });
  });

  it('maps framework HttpExceptions by status, and a JSON syntax 400 to MALFORMED_JSON', () => {
    expect(toProblem(new PayloadTooLargeException('Too big'))).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      status: 413,
      title: 'Request body too large',
      detail: 'Too big',
    });
    expect(
      toProblem(new BadRequestException('Unexpected token } in JSON at position 3')),
    ).toMatchObject({ code: 'MALFORMED_JSON', status: 400, title: 'Malformed JSON body' });
    expect(toProblem(new NotFoundException(['a', 'b']))).toMatchObject({
      code: 'NOT_FOUND',
      detail: 'a; b',
    });
  });

  it('gives a status outside the catalogue the about:blank type', () => {
    const problem = toProblem(new HttpException('I am a teapot', 418));
    expect(problem).toMatchObject({ code: undefined, status: 418, title: 'Error' });
    expect(problemBody(problem, '/x', 'r1').type).toBe('about:blank');
  });

  it('turns anything else into a generic 500 that reveals nothing', () => {
    const problem = toProblem(new Error('password=hunter2 in the connection string'));
    expect(problem).toEqual({
      code: 'INTERNAL',
      status: 500,
      title: 'Internal server error',
      detail: 'An unexpected error occurred; the request id identifies it in our logs',
      headers: {},
      extensions: {},
    });
  });
});

describe('problemBody', () => {
  it('renders RFC 9457 members, the request id and the extensions', () => {
    const problem = problemOf('RATE_LIMITED', 'Slow down', { 'Retry-After': '2' });
    expect(problemBody({ ...problem, extensions: { errors: [] } }, '/products', 'req-1')).toEqual({
      type: 'https://farmlokal.example/problems/rate-limited',
      title: 'Too many requests',
      status: 429,
      detail: 'Slow down',
      instance: '/products',
      request_id: 'req-1',
      errors: [],
    });
  });

  it('uses the path without the query string as the instance', () => {
    expect(requestPath('/products?limit=5&q=a')).toBe('/products');
    expect(requestPath(undefined)).toBe('/');
  });
});

describe('toProblem for database contention', () => {
  it('answers a transaction that kept losing deadlocks as a 503 with a short Retry-After', () => {
    const deadlock = Object.assign(new Error('Deadlock found when trying to get lock'), {
      code: 'ER_LOCK_DEADLOCK',
    });
    const wrapped = Object.assign(new Error('Deadlock found when trying to get lock'), {
      driverError: deadlock,
    });
    for (const error of [deadlock, wrapped]) {
      expect(toProblem(error)).toMatchObject({
        code: 'SERVICE_UNAVAILABLE',
        status: 503,
        headers: { 'Retry-After': '1' },
      });
    }
    const lockWait = Object.assign(new Error('Lock wait timeout exceeded'), {
      code: 'ER_LOCK_WAIT_TIMEOUT',
    });
    expect(toProblem(lockWait)).toMatchObject({ status: 503, headers: { 'Retry-After': '1' } });
  });

  it('keeps other query errors internal (500)', () => {
    const parse = Object.assign(new Error('You have an error in your SQL syntax'), {
      code: 'ER_PARSE_ERROR',
    });
    expect(toProblem(parse)).toMatchObject({ code: 'INTERNAL', status: 500 });
  });
});
