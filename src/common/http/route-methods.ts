import { Injectable } from '@nestjs/common';

interface RouteEntry {
  readonly pattern: RegExp;
  readonly methods: Set<string>;
}

/** `/products/:id` → /^\/products\/[^/]+$/ (Fastify's `:param` and `*` syntax; exact, as routing is). */
function toPattern(url: string): RegExp {
  const source = url
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        return '[^/]+';
      }
      if (segment === '*') {
        return '.*';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return new RegExp(`^${source}$`);
}

/**
 * The methods registered for each route, filled from Fastify's `onRoute` hook, so that a
 * request for a known path with another method is answered 405 with `Allow` (RFC 9110
 * §15.5.6) rather than 404.
 */
@Injectable()
export class RouteMethods {
  private readonly routes = new Map<string, RouteEntry>();

  add(methods: string | string[], url: string): void {
    let entry = this.routes.get(url);
    if (!entry) {
      entry = { pattern: toPattern(url), methods: new Set() };
      this.routes.set(url, entry);
    }
    for (const method of Array.isArray(methods) ? methods : [methods]) {
      entry.methods.add(method.toUpperCase());
    }
  }

  /** Methods allowed on `path` by any route that matches it; empty when none matches. */
  allowed(path: string): string[] {
    const methods = new Set<string>();
    for (const entry of this.routes.values()) {
      if (entry.pattern.test(path)) {
        entry.methods.forEach((method) => methods.add(method));
      }
    }
    return [...methods].sort();
  }
}
