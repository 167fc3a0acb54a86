import { Writable } from 'node:stream';
import { createPinoLogger, PinoLoggerService } from './logger';

function capture(level: string): { service: PinoLoggerService; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
      done();
    },
  });
  return { service: new PinoLoggerService(createPinoLogger(level, destination)), lines };
}

describe('PinoLoggerService', () => {
  const bootstrapDetail: [string, string][] = [
    ['Mapped {/products, GET} route', 'RouterExplorer'],
    ['ProductsController {/products}:', 'RoutesResolver'],
    ['ProductsModule dependencies initialized', 'InstanceLoader'],
  ];

  it("writes Nest's per-module and per-route start-up lines at debug, not info", () => {
    const info = capture('info');
    for (const [message, context] of bootstrapDetail) {
      info.service.log(message, context);
    }
    info.service.log('Nest application successfully started', 'NestApplication');
    expect(info.lines.map((line) => [line.level, line.msg])).toEqual([
      ['info', 'Nest application successfully started'],
    ]);

    const debug = capture('debug');
    for (const [message, context] of bootstrapDetail) {
      debug.service.log(message, context);
    }
    expect(debug.lines.map((line) => [line.level, line.msg, line.context])).toEqual(
      bootstrapDetail.map(([message, context]) => ['debug', message, context]),
    );
  });

  it('keeps warnings and errors from those contexts at their level', () => {
    const { service, lines } = capture('info');
    service.warn('something odd', 'RouterExplorer');
    service.error('broken', undefined, 'RoutesResolver');
    expect(lines.map((line) => line.level)).toEqual(['warn', 'error']);
  });
});
