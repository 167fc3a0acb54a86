import {
  applyDecorators,
  CanActivate,
  ExecutionContext,
  Injectable,
  SetMetadata,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import { ValidationProblemError } from '../errors/app.error';

const IGNORES_QUERY = 'strict-query:ignores';
/** The OpenAPI extension that marks such operations (fuzzers and clients can tell). */
export const IGNORES_QUERY_EXTENSION = 'x-ignores-query';

/**
 * Lets a route (or every route of a controller) ignore its query string instead of
 * rejecting it: probes and scrapers (health checks, /metrics) whose monitors add cache
 * busters such as `?_=1733380000`. The OpenAPI operation says so with `x-ignores-query`.
 */
export const IgnoresQuery = (): MethodDecorator & ClassDecorator =>
  applyDecorators(SetMetadata(IGNORES_QUERY, true), ApiExtension(IGNORES_QUERY_EXTENSION, true));

/**
 * Unknown query parameters are a 400, not ignored (except on routes marked @IgnoresQuery). Routes that bind a `@Query()` DTO get
 * that from the global ValidationPipe (forbidNonWhitelisted); this guard covers routes
 * that take no query parameters at all, where the pipe never runs.
 */
@Injectable()
export class StrictQueryGuard implements CanActivate {
  private readonly acceptsQuery = new WeakMap<object, boolean>();

  canActivate(context: ExecutionContext): boolean {
    if (context.getType() !== 'http') {
      return true;
    }
    const handler = context.getHandler();
    let accepts = this.acceptsQuery.get(handler);
    if (accepts === undefined) {
      accepts = ignoresQuery(context) || bindsQuery(context);
      this.acceptsQuery.set(handler, accepts);
    }
    if (accepts) {
      return true;
    }
    const query = context.switchToHttp().getRequest<FastifyRequest>().query;
    const names = Object.keys((query as Record<string, unknown> | undefined) ?? {});
    if (names.length > 0) {
      throw new ValidationProblemError(
        names.map((field) => ({ field, message: `property ${field} should not exist` })),
        'This endpoint takes no query parameters',
      );
    }
    return true;
  }
}

function ignoresQuery(context: ExecutionContext): boolean {
  return [context.getHandler(), context.getClass()].some(
    (target) => Reflect.getMetadata(IGNORES_QUERY, target) === true,
  );
}

function bindsQuery(context: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(
    ROUTE_ARGS_METADATA,
    context.getClass(),
    context.getHandler().name,
  ) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
}
