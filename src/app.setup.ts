import type { NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import {
  FastifyBaseLogger,
  FastifyError,
  FastifyReply,
  FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { ProblemCode, PROBLEMS } from './common/errors/error-catalogue';
import { PROBLEM_CONTENT_TYPE, problemBody } from './common/errors/problem-details.filter';
import { documentGlobalResponses } from './common/http/openapi-global-responses';
import { documentCommonHeaders } from './common/http/openapi-headers';
import { genRequestId, REQUEST_ID_HEADER } from './common/http/request-id';
import { RouteMethods } from './common/http/route-methods';
import { RateLimiter } from './common/rate-limit/rate-limiter';
import { LifecycleService } from './health/lifecycle.service';
import { MetricsService } from './metrics/metrics.service';

/** Largest accepted request body (webhook deliveries included); larger → 413 problem. */
export const BODY_LIMIT_BYTES = 256 * 1024;
const QUIET_ROUTES = /^\/(health|metrics|docs)/;

export interface AdapterOptions {
  readonly logger: PinoLogger;
  /** Proxy addresses/CIDRs whose X-Forwarded-For is believed (empty = none). */
  readonly trustedProxies: readonly string[];
}

const FRAMEWORK_ERRORS: Partial<Record<number, ProblemCode>> = {
  400: 'VALIDATION_FAILED',
  414: 'URI_TOO_LONG',
};
const FRAMEWORK_ERROR_DETAILS: Partial<Record<ProblemCode, string>> = {
  VALIDATION_FAILED: 'The URL is malformed (invalid percent-encoding)',
  URI_TOO_LONG: 'A path segment is longer than the router accepts',
};

/** The Fastify adapter used by main.ts and by every test app. */
export function createAdapter({ logger, trustedProxies }: AdapterOptions): FastifyAdapter {
  const adapter = new FastifyAdapter({
    loggerInstance: logger,
    // One line per request is written by our onResponse hook, keyed by `request_id`.
    logController: new LogController({
      disableRequestLogging: true,
      requestIdLogLabel: 'request_id',
    }),
    // No per-request child logger: the one request line carries `request_id` itself, and
    // a child per request is measurable on the cache-hit path.
    childLoggerFactory: (parent: FastifyBaseLogger) => parent,
    bodyLimit: BODY_LIMIT_BYTES,
    requestIdHeader: false,
    genReqId: genRequestId,
    trustProxy: trustedProxies.length > 0 ? [...trustedProxies] : false,
    return503OnClosing: true,
    // Errors Fastify raises before routing (a malformed percent-encoded URL, a path
    // segment over maxParamLength) as problems too.
    // No hook runs for these, so the rate limiter is called here (default group).
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
      const code = FRAMEWORK_ERRORS[error.statusCode ?? 500] ?? 'INTERNAL';
      const problem = {
        code,
        status: PROBLEMS[code].status,
        title: PROBLEMS[code].title,
        detail: FRAMEWORK_ERROR_DETAILS[code] ?? 'An unexpected error occurred',
        headers: {},
        extensions: {},
      };
      const send = (): void => {
        void reply
          .code(problem.status)
          .type(PROBLEM_CONTENT_TYPE)
          .send(problemBody(problem, (request.url ?? '/').split('?')[0], String(request.id)));
      };
      void reply.header(REQUEST_ID_HEADER, request.id);
      const limit = request.server.rateLimitUnrouted;
      if (!limit) {
        send();
        return;
      }
      limit(request, reply).then(
        (admitted) => {
          if (admitted) {
            send();
          }
        },
        () => send(),
      );
    },
  });
  // JSON is the only body type the API takes: anything else is a 415, not parsed loosely.
  adapter.getInstance().removeContentTypeParser('text/plain');
  return adapter;
}

/**
 * Options for NestFactory.create. `bodyParser: false` keeps Fastify's own JSON parser and
 * skips Nest's extra urlencoded parser (form bodies are a 415); webhook bodies get a
 * raw-bytes parser of their own (src/webhooks/webhook-raw-body.ts). Errors are not fatal.
 */
export const APP_OPTIONS: NestApplicationOptions = {
  bodyParser: false,
  bufferLogs: true,
  abortOnError: false,
};

/** Everything main.ts and tests share after the app is created and before it listens. */
export function configureApp(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const lifecycle = app.get(LifecycleService);
  const metrics = app.get(MetricsService);
  const log = fastify.log as unknown as PinoLogger;
  const routeMethods = app.get(RouteMethods);
  fastify.addHook('onRoute', (route) => routeMethods.add(route.method, route.url));

  // In flight until the response is closed: sent, or abandoned by a client that hung up
  // (Fastify runs onRequestAbort for those, never onResponse).
  const requestClosed = (): void => lifecycle.requestFinished();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    lifecycle.requestStarted();
    reply.raw.once('close', requestClosed);
    done();
  });
  // After routing, before the body is parsed: early 400/413/415/404 answers are counted.
  app.get(RateLimiter).register(fastify);
  fastify.addHook('onResponse', (request, reply, done) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpDuration.observe(
      { method: request.method, route, status_code: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
    const level = QUIET_ROUTES.test(request.url) ? 'debug' : 'info';
    if (!log.isLevelEnabled(level)) {
      done();
      return;
    }
    log[level](
      {
        request_id: request.id,
        method: request.method,
        url: request.url,
        route,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
    done();
  });

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('FarmLokal API')
      .setDescription(
        'Hyperlocal marketplace backend: product catalog, partner integrations and webhooks. ' +
          'Errors are RFC 9457 problem+json. Write endpoints need a bearer JWT ' +
          '(`npm run token:dev -- --scope products:write` prints one for local use).',
      )
      .setVersion('1.0.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' }, 'bearer')
      .build(),
  );
  SwaggerModule.setup('docs', app, documentCommonHeaders(documentGlobalResponses(document)), {
    jsonDocumentUrl: 'docs-json',
  });
}

/**
 * SIGTERM semantics: readiness turns 503 at once, requests in flight finish (bounded by
 * SHUTDOWN_TIMEOUT_MS), then Nest closes the HTTP server and, after it, the pools.
 * The drain happens before `app.close()` so that no module tears anything down while a
 * request still needs it. Once it is over, every connection left is closed: idle
 * keep-alive ones, those of clients that hung up (their handlers may still be running),
 * and those of requests the drain gave up on, so closing the server waits for none of them.
 */
export async function shutdownGracefully(
  app: NestFastifyApplication,
  reason: string,
): Promise<void> {
  const lifecycle = app.get(LifecycleService);
  lifecycle.beginShutdown(reason);
  await lifecycle.drain();
  app.getHttpAdapter().getInstance().server.closeAllConnections();
  await app.close();
}
