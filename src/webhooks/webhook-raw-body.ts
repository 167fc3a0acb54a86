import { Injectable, NestMiddleware, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { WEBHOOK_RAW_MEDIA_TYPE } from './webhooks.constants';

/**
 * Runs on the webhook route before Fastify picks a body parser and re-labels the body with
 * WEBHOOK_RAW_MEDIA_TYPE, whose parser keeps the bytes. The signature is then checked over
 * exactly what was sent, and bad JSON is reported (400) only after a valid signature;
 * the global JSON parser would otherwise answer 400 before the handler runs
 * (docs.nestjs.com/faq/raw-body, stripe/stripe-node#341).
 */
@Injectable()
export class WebhookRawBodyMiddleware implements NestMiddleware {
  use(request: IncomingMessage, _response: ServerResponse, next: () => void): void {
    request.headers['content-type'] = WEBHOOK_RAW_MEDIA_TYPE;
    next();
  }
}

/** Registers the raw-body parser (same body limit as every route) on the Fastify instance. */
@Injectable()
export class WebhookRawBodyParser implements OnModuleInit {
  constructor(private readonly adapterHost: HttpAdapterHost) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter?.getInstance<FastifyInstance>();
    if (!fastify || fastify.hasContentTypeParser(WEBHOOK_RAW_MEDIA_TYPE)) {
      return;
    }
    fastify.addContentTypeParser(
      WEBHOOK_RAW_MEDIA_TYPE,
      { parseAs: 'buffer' },
      (_request, body, done) => done(null, body),
    );
  }
}
