import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { ROUTE_ARGS_METADATA } from '@nestjs/common/constants';
import { RouteParamtypes } from '@nestjs/common/enums/route-paramtypes.enum';
import type { FastifyRequest } from 'fastify';
import { ValidationProblemError } from '../errors/app.error';

/**
 * Unknown query parameters are a 400, not ignored. Routes that bind a `@Query()` DTO get
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
      accepts = bindsQuery(context);
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

function bindsQuery(context: ExecutionContext): boolean {
  const args = (Reflect.getMetadata(
    ROUTE_ARGS_METADATA,
    context.getClass(),
    context.getHandler().name,
  ) ?? {}) as Record<string, unknown>;
  return Object.keys(args).some((key) => key.split(':')[0] === String(RouteParamtypes.QUERY));
}
