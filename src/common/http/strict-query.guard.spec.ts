import { Controller, ExecutionContext, Get, Query } from '@nestjs/common';
import { ValidationProblemError } from '../errors/app.error';
import { StrictQueryGuard } from './strict-query.guard';

@Controller('probe')
class ProbeController {
  @Get('plain')
  plain(): string {
    return 'ok';
  }

  @Get('search')
  search(@Query('q') q: string): string {
    return q;
  }
}

function contextFor(
  handler: keyof ProbeController,
  query: Record<string, unknown> | undefined,
  type = 'http',
): ExecutionContext {
  return {
    getType: () => type,
    getClass: () => ProbeController,
    getHandler: () => ProbeController.prototype[handler],
    switchToHttp: () => ({ getRequest: () => ({ query }) }),
  } as unknown as ExecutionContext;
}

describe(StrictQueryGuard.name, () => {
  const guard = new StrictQueryGuard();

  it('rejects any query parameter on a route that binds none, naming each one', () => {
    let caught: unknown;
    try {
      guard.canActivate(contextFor('plain', { a: '1', b: '2' }));
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationProblemError);
    expect((caught as ValidationProblemError).errors).toEqual([
      { field: 'a', message: 'property a should not exist' },
      { field: 'b', message: 'property b should not exist' },
    ]);
    expect((caught as ValidationProblemError).detail).toBe(
      'This endpoint takes no query parameters',
    );
  });

  it('lets a route without query parameters through when none are sent', () => {
    expect(guard.canActivate(contextFor('plain', {}))).toBe(true);
    expect(guard.canActivate(contextFor('plain', undefined))).toBe(true);
  });

  it('leaves routes that bind @Query() to their pipes', () => {
    expect(guard.canActivate(contextFor('search', { q: 'x', extra: 'y' }))).toBe(true);
  });

  it('ignores contexts that are not HTTP', () => {
    expect(guard.canActivate(contextFor('plain', { a: '1' }, 'rpc'))).toBe(true);
  });
});
