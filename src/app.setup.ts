import type { NestApplicationOptions } from '@nestjs/common';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import {
  FastifyBaseLogger,
  FastifyError,
  FastifyReply,
  FastifyRequest,
  LogController,
} from 'fastify';
import type { Logger as PinoLogger } from 'pino';
import { ProblemCode } from './common/errors/error-catalogue';
import { problemOf } from './common/errors/problem-mapping';
import { writeProblem } from './common/errors/problem-response';
import { applyConnectionLimits, HttpLimits, serverOptions } from './common/http/connection-limits';
import { addDocsSecurityHeaders } from './common/http/docs-security';
import { genRequestId, REQUEST_ID_HEADER } from './common/http/request-id';
import { RouteMethods } from './common/http/route-methods';
import { useStrictJsonParser } from './common/http/strict-json';
import { loggableUrl } from './common/logging/log-redaction';
import { AppConfig, appConfig } from './config/configuration';
import { LifecycleService } from './health';
import { MetricsService } from './metrics';
import { buildOpenApiDocument } from './openapi-document';
import { RateLimiter } from './rate-limit';
import { registerWebhookHeaderCheck, registerWebhookRawBody } from './webhooks';

/** Largest accepted request body (webhook deliveries included); larger → 413 problem. */
export const BODY_LIMIT_BYTES = 256 * 1024;
const QUIET_ROUTES = /^\/(health|metrics|docs)/;

export interface AdapterOptions {
  readonly logger: PinoLogger;
  /** Proxy addresses/CIDRs whose X-Forwarded-For is believed (empty = none). */
  readonly trustedProxies: readonly string[];
  /** Client time and connection bounds; read from the environment when omitted. */
  readonly http?: HttpLimits;
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
export function createAdapter({ logger, trustedProxies, http }: AdapterOptions): FastifyAdapter {
  const limits = http ?? appConfig().http;
  const adapter = new FastifyAdapter({
    ...serverOptions(limits),
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
      const problem = problemOf(
        code,
        FRAMEWORK_ERROR_DETAILS[code] ?? 'An unexpected error occurred',
      );
      const send = (): void => writeProblem(request, reply, problem);
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
  useStrictJsonParser(adapter.getInstance());
  applyConnectionLimits(adapter.getInstance(), limits, adapter.getInstance().log);
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
  registerPipeline(app);
  if (app.get<AppConfig>(appConfig.KEY).docsEnabled) {
    documentApi(app);
  }
}

/**
 * Every Fastify hook of the request pipeline, registered here and in this order, which is
 * the order they run in (docs/architecture.md lists the whole pipeline). Errors Fastify
 * raises before routing are handled by `frameworkErrors` (createAdapter); Nest's guards,
 * pipes, handler and exception filter run inside the route, after every onRequest hook
 * and the body parser.
 */
export function registerPipeline(app: NestFastifyApplication): void {
  const fastify = app.getHttpAdapter().getInstance();
  const lifecycle = app.get(LifecycleService);
  const metrics = app.get(MetricsService);
  const log = fastify.log as unknown as PinoLogger;
  const routeMethods = app.get(RouteMethods);
  // 1. onRoute: the methods of every path, so that a known path with another method is a 405.
  fastify.addHook('onRoute', (route) => routeMethods.add(route.method, route.url));

  // 2. onRequest: echo the request id; count the request in flight (graceful shutdown)
  //    until its response is closed: sent, or abandoned by a client that hung up (Fastify
  //    runs onRequestAbort for those, never onResponse).
  const requestClosed = (): void => lifecycle.requestFinished();
  fastify.addHook('onRequest', (request, reply, done) => {
    void reply.header(REQUEST_ID_HEADER, request.id);
    lifecycle.requestStarted();
    reply.raw.once('close', requestClosed);
    done();
  });
  // 3. onRequest: the rate limiter. After routing, before the body is parsed: early
  //    400/413/415/404 answers are counted.
  app.get(RateLimiter).register(fastify);
  // 4. onRequest + a content-type parser: webhook deliveries keep their raw bytes.
  registerWebhookRawBody(fastify);
  // 5. onRequest: a webhook delivery whose id, timestamp or signature header cannot verify
  //    is a 401 before a byte of its body is read.
  registerWebhookHeaderCheck(fastify, metrics);
  // 6. onResponse: the duration metric and the one request log line.
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
        url: loggableUrl(request.url),
        route,
        status: reply.statusCode,
        duration_ms: Math.round(reply.elapsedTime * 100) / 100,
      },
      'request completed',
    );
    done();
  });
}

/**
 * The OpenAPI document (src/openapi-document.ts) with this deployment's PUBLIC_BASE_URL as
 * its server, served at /docs (Swagger UI) and /docs-json, with their security headers.
 */
function documentApi(app: NestFastifyApplication): void {
  addDocsSecurityHeaders(app.getHttpAdapter().getInstance());
  const document = buildOpenApiDocument(app, app.get<AppConfig>(appConfig.KEY).publicBaseUrl);
  SwaggerModule.setup('docs', app, document, {
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
