import type { FastifyInstance } from 'fastify';

/** Path prefix of the Swagger UI and of the OpenAPI document (`/docs`, `/docs-json`). */
export const DOCS_PATH_PREFIX = '/docs';

/**
 * Headers of every `/docs` answer: the Swagger UI runs only its own scripts (no inline
 * script), loads styles, images and the document from this origin, and cannot be framed
 * (clickjacking through its "Authorize" dialog).
 */
export const DOCS_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': [
    "default-src 'none'",
    "script-src 'self'",
    // The UI page carries one inline <style> block.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "form-action 'self'",
    "base-uri 'none'",
    "frame-ancestors 'none'",
  ].join('; '),
  'x-frame-options': 'DENY',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/** Adds DOCS_SECURITY_HEADERS to the answers of the documentation routes. */
export function addDocsSecurityHeaders(fastify: FastifyInstance): void {
  fastify.addHook('onSend', (request, reply, payload, done) => {
    if (request.url.startsWith(DOCS_PATH_PREFIX)) {
      void reply.headers(DOCS_SECURITY_HEADERS);
    }
    done(null, payload);
  });
}
