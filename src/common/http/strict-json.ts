import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../errors/app.error';

/** Deepest nesting of arrays and objects a JSON body may have. */
export const MAX_JSON_DEPTH = 64;

const UTF8 = new TextDecoder('utf-8', { fatal: true });

/**
 * True when `text` nests arrays/objects deeper than `max`. A linear scan that skips string
 * contents, run before JSON.parse: parsing is iterative, but everything after it (validation,
 * transformation, serialisation) recurses, and 10,000 levels overflow the stack.
 */
export function jsonNestsDeeperThan(text: string, max = MAX_JSON_DEPTH): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c) {
        i += 1;
      } else if (c === 0x22) {
        inString = false;
      }
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x7b || c === 0x5b) {
      depth += 1;
      if (depth > max) {
        return true;
      }
    } else if (c === 0x7d || c === 0x5d) {
      depth -= 1;
    }
  }
  return false;
}

export function tooDeepError(): AppError {
  return new AppError('MALFORMED_JSON', `JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
}

/**
 * Replaces Fastify's `application/json` parser with one that takes an empty body as no
 * body, and otherwise first requires well-formed
 * UTF-8 (invalid bytes would otherwise become U+FFFD silently, so what is stored differs
 * from what was sent) and at most MAX_JSON_DEPTH levels, then parses as Fastify does
 * (secure-json-parse: `__proto__` and `constructor.prototype` keys are an error).
 */
export function useStrictJsonParser(fastify: FastifyInstance): void {
  const parse = fastify.getDefaultJsonParser('error', 'error');
  fastify.removeContentTypeParser('application/json');
  fastify.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer' },
    (request: FastifyRequest, body: Buffer, done) => {
      if (body.length === 0) {
        // No body at all, whatever the content type says (clients send the header on
        // DELETE and GET too): the same as a request without one. A required body is
        // still a 400 from validation.
        done(null, undefined);
        return;
      }
      let text: string;
      try {
        text = UTF8.decode(body);
      } catch {
        done(new AppError('MALFORMED_JSON', 'The body is not valid UTF-8'), undefined);
        return;
      }
      if (jsonNestsDeeperThan(text)) {
        done(tooDeepError(), undefined);
        return;
      }
      void parse(request, text, done);
    },
  );
}
