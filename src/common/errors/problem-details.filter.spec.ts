import { ArgumentsHost, Logger, NotFoundException } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { RouteMethods } from '../http/route-methods';
import { AppError } from './app.error';
import { ProblemDetailsFilter } from './problem-details.filter';

interface Sent {
  status?: number;
  headers: Record<string, string>;
  type?: string;
  body?: unknown;
}

function fakeHttp(
  url: string,
  options: { method?: string; routeUrl?: string; sent?: boolean } = {},
): { host: ArgumentsHost; sent: Sent } {
  const sent: Sent = { headers: {} };
  const reply = {
    sent: options.sent ?? false,
    code(status: number) {
      sent.status = status;
      return reply;
    },
    headers(values: Record<string, string>) {
      Object.assign(sent.headers, values);
      return reply;
    },
    type(value: string) {
      sent.type = value;
      return reply;
    },
    send(body: unknown) {
      sent.body = body;
      return reply;
    },
  };
  const request = {
    id: 'req-7',
    url,
    method: options.method ?? 'GET',
    routeOptions: { url: options.routeUrl },
  };
  const host = {
    switchToHttp: () => ({
      getRequest: () => request as unknown as FastifyRequest,
      getResponse: () => reply as unknown as FastifyReply,
    }),
  } as unknown as ArgumentsHost;
  return { host, sent };
}

describe(ProblemDetailsFilter.name, () => {
  const routes = new RouteMethods();
  routes.add(['GET', 'HEAD'], '/products/:id');
  routes.add('PATCH', '/products/:id');
  const filter = new ProblemDetailsFilter(routes);
  let logged: jest.SpyInstance;

  beforeEach(() => {
    logged = jest.spyOn(Logger.prototype, 'error').mockImplementation(() => undefined);
  });
  afterEach(() => logged.mockRestore());

  it('answers an AppError as problem+json with its status, headers and body', () => {
    const { host, sent } = fakeHttp('/products/9?x=1', { routeUrl: '/products/:id' });
    filter.catch(
      new AppError('PARTNER_UNAVAILABLE', 'Partner down', { headers: { 'Retry-After': '4' } }),
      host,
    );
    expect(sent).toEqual({
      status: 503,
      headers: { 'Retry-After': '4' },
      type: 'application/problem+json',
      body: {
        type: 'https://farmlokal.example/problems/partner-unavailable',
        title: 'Partner temporarily unavailable',
        status: 503,
        detail: 'Partner down',
        instance: '/products/9',
        request_id: 'req-7',
      },
    });
    expect(logged).not.toHaveBeenCalled();
  });

  it('logs an unexpected error once and answers a generic 500', () => {
    const { host, sent } = fakeHttp('/products', { routeUrl: '/products' });
    filter.catch(new TypeError('boom'), host);
    expect(sent.status).toBe(500);
    expect((sent.body as { detail: string }).detail).not.toContain('boom');
    expect(logged).toHaveBeenCalledTimes(1);
  });

  it('answers 405 with Allow for an unrouted request to a path known with other methods', () => {
    const { host, sent } = fakeHttp('/products/42', { method: 'POST' });
    filter.catch(new NotFoundException(), host);
    expect(sent.status).toBe(405);
    expect(sent.headers).toEqual({ allow: 'GET, HEAD, PATCH' });
    expect(sent.body).toMatchObject({
      type: 'https://farmlokal.example/problems/method-not-allowed',
      detail: 'POST is not allowed on /products/42; allowed: GET, HEAD, PATCH',
    });
  });

  it('keeps 404 for unknown paths and for routed requests', () => {
    const unknown = fakeHttp('/nothing', { method: 'POST' });
    filter.catch(new NotFoundException(), unknown.host);
    expect(unknown.sent.status).toBe(404);
    const routed = fakeHttp('/products/42', { method: 'POST', routeUrl: '/products/:id' });
    filter.catch(new NotFoundException(), routed.host);
    expect(routed.sent.status).toBe(404);
  });

  it('writes nothing when a response was already sent', () => {
    const { host, sent } = fakeHttp('/products', { sent: true });
    filter.catch(new AppError('INTERNAL', 'late'), host);
    expect(sent).toEqual({ headers: {} });
  });
});
