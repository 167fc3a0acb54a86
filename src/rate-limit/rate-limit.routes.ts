import { RequestMethod } from '@nestjs/common';
import { METHOD_METADATA, PATH_METADATA } from '@nestjs/common/constants';
import { addLeadingSlash } from '@nestjs/common/utils/shared.utils';
import { ApplicationConfig, DiscoveryService, MetadataScanner, Reflector } from '@nestjs/core';
import { RoutePathFactory } from '@nestjs/core/router/route-path-factory';
import {
  DEFAULT_RATE_LIMIT_GROUP,
  RATE_LIMIT_GROUP_KEY,
  RateLimitGroupName,
  THROTTLER_SKIP_KEY,
} from './rate-limit.constants';

/** A route's rate-limit group, or `null` when the route is exempt (`@SkipThrottle()`). */
export type RouteLimit = RateLimitGroupName | null;

/** One controller route as Fastify registers it, with its resolved limit. */
export interface LimitedRoute {
  /** Upper-case HTTP method, or `ALL` for `@All()`. */
  readonly method: string;
  /** The route template Fastify reports as `request.routeOptions.url`. */
  readonly url: string;
  readonly limit: RouteLimit;
}

/**
 * Every controller route with its group (`@RateLimitGroup`) or exemption (`@SkipThrottle`),
 * the method's decorator overriding the controller's. Paths are joined by Nest's own
 * RoutePathFactory, so they equal the templates Nest registers with Fastify; no global
 * prefix, URI versioning or RouterModule path is applied (the service uses none), and
 * `RateLimiter` refuses to start if a path is not a registered route.
 */
export function discoverLimitedRoutes(
  discovery: DiscoveryService,
  reflector: Reflector,
): LimitedRoute[] {
  const paths = new RoutePathFactory(new ApplicationConfig());
  const scanner = new MetadataScanner();
  const routes: LimitedRoute[] = [];
  for (const { metatype } of discovery.getControllers()) {
    if (typeof metatype !== 'function') {
      continue;
    }
    const controllerPaths = asArray(Reflect.getMetadata(PATH_METADATA, metatype));
    const prototype = metatype.prototype as Record<string, unknown>;
    for (const name of scanner.getAllMethodNames(prototype)) {
      const handler = prototype[name];
      const methodPaths = asArray(
        typeof handler === 'function' ? Reflect.getMetadata(PATH_METADATA, handler) : undefined,
      );
      if (typeof handler !== 'function' || methodPaths.length === 0) {
        continue;
      }
      const requestMethod = Reflect.getMetadata(METHOD_METADATA, handler) as RequestMethod;
      const targets = [handler, metatype];
      const limit = reflector.getAllAndOverride<boolean | undefined>(THROTTLER_SKIP_KEY, targets)
        ? null
        : (reflector.getAllAndOverride<RateLimitGroupName | undefined>(
            RATE_LIMIT_GROUP_KEY,
            targets,
          ) ?? DEFAULT_RATE_LIMIT_GROUP);
      for (const ctrlPath of controllerPaths) {
        for (const methodPath of methodPaths) {
          const urls = paths.create(
            { ctrlPath: addLeadingSlash(ctrlPath), methodPath: addLeadingSlash(methodPath) },
            requestMethod,
          );
          for (const url of urls) {
            routes.push({ method: RequestMethod[requestMethod], url, limit });
          }
        }
      }
    }
  }
  return routes;
}

function asArray(path: unknown): string[] {
  if (Array.isArray(path)) {
    return path.filter((p): p is string => typeof p === 'string');
  }
  return typeof path === 'string' ? [path] : [];
}
