import type { FastifyInstance } from 'fastify';
import {
  PARTNER_WEBHOOK_PATH,
  WEBHOOK_RAW_MEDIA_TYPE,
  WEBHOOKS_ROUTE_PREFIX,
} from './webhooks.constants';

const WEBHOOK_URL = `/${WEBHOOKS_ROUTE_PREFIX}/${PARTNER_WEBHOOK_PATH}`;

/**
 * Keeps the webhook body as the exact bytes that were sent (installed by the request
 * pipeline, src/app.setup.ts). An `onRequest` hook re-labels
 * POST /webhooks/partner bodies with WEBHOOK_RAW_MEDIA_TYPE before Fastify picks a parser,
 * and that type's parser keeps the Buffer. The signature is then checked over exactly what
 * was sent, and bad JSON is reported (400) only after a valid signature; the global JSON
 * parser would otherwise answer 400 before the handler runs
 * (docs.nestjs.com/faq/raw-body, stripe/stripe-node#341). A Fastify hook rather than a
 * Nest middleware: middleware would put @fastify/middie in front of every request.
 */
export function registerWebhookRawBody(fastify: FastifyInstance): void {
  fastify.addContentTypeParser(
    WEBHOOK_RAW_MEDIA_TYPE,
    { parseAs: 'buffer' },
    (_request, body, done) => done(null, body),
  );
  fastify.addHook('onRequest', (request, _reply, done) => {
    if (request.method === 'POST' && isWebhookUrl(request.url)) {
      request.headers['content-type'] = WEBHOOK_RAW_MEDIA_TYPE;
    }
    done();
  });
}

/** True for the partner delivery path, with or without a query string or trailing slash. */
export function isWebhookUrl(url: string): boolean {
  if (!url.startsWith(WEBHOOK_URL)) {
    return false;
  }
  const rest = url.charAt(WEBHOOK_URL.length);
  return rest === '' || rest === '?' || rest === '/';
}
