import type { FastifyInstance, FastifyRequest } from 'fastify';
import { problemOf } from '../common/errors/problem-mapping';
import { writeProblem } from '../common/errors/problem-response';
import type { MetricsService } from '../metrics';
import {
  checkWebhookHeaders,
  StandardWebhookHeaders,
  VERIFICATION_FAILURE_DETAILS,
} from './standard-webhook.verifier';
import { isWebhookUrl } from './webhook-raw-body';
import {
  SVIX_ID_HEADER,
  SVIX_SIGNATURE_HEADER,
  SVIX_TIMESTAMP_HEADER,
  WEBHOOK_ID_HEADER,
  WEBHOOK_SIGNATURE_HEADER,
  WEBHOOK_TIMESTAMP_HEADER,
} from './webhooks.constants';

/** Svix sends the same three headers under its own names. */
const HEADER_NAMES = {
  id: [WEBHOOK_ID_HEADER, SVIX_ID_HEADER],
  timestamp: [WEBHOOK_TIMESTAMP_HEADER, SVIX_TIMESTAMP_HEADER],
  signature: [WEBHOOK_SIGNATURE_HEADER, SVIX_SIGNATURE_HEADER],
} as const;

function firstHeader(request: FastifyRequest, names: readonly string[]): string | undefined {
  for (const name of names) {
    const value = request.headers[name];
    if (typeof value === 'string') {
      return value;
    }
  }
  return undefined;
}

/** The Standard Webhooks headers of a delivery (or their Svix-named equivalents). */
export function webhookHeadersOf(request: FastifyRequest): StandardWebhookHeaders {
  return {
    id: firstHeader(request, HEADER_NAMES.id),
    timestamp: firstHeader(request, HEADER_NAMES.timestamp),
    signature: firstHeader(request, HEADER_NAMES.signature),
  };
}

/**
 * Rejects a partner delivery from its headers alone, before a byte of its body is read:
 * missing or malformed id, timestamp or signature, or a timestamp outside the 5-minute
 * tolerance, is a 401 at once. The connection is then closed (the body was never read; see
 * `closeUnfinishedRequests`), so an anonymous client cannot hold the service's memory and
 * descriptors with half-sent bodies. Deliveries that pass still have their signature
 * checked over the body by WebhooksService. Installed by the request pipeline
 * (src/app.setup.ts).
 */
export function registerWebhookHeaderCheck(
  fastify: FastifyInstance,
  metrics: MetricsService,
): void {
  fastify.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'POST' || !isWebhookUrl(request.url)) {
      done();
      return;
    }
    const nowS = Math.floor(Date.now() / 1000);
    const result = checkWebhookHeaders(webhookHeadersOf(request), { nowS });
    if (result.ok) {
      done();
      return;
    }
    metrics.webhookEvents.inc({ outcome: 'invalid_signature' });
    writeProblem(
      request,
      reply,
      problemOf('INVALID_WEBHOOK_SIGNATURE', VERIFICATION_FAILURE_DETAILS[result.reason]),
    );
  });
}
