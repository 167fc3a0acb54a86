import { Type } from '@nestjs/common';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import type { DestinationStream } from 'pino';
import { AppModule } from '../../src/app.module';
import { AuthModule } from '../../src/auth';
import { PartnerTokenModule } from '../../src/external/partner-token/partner-token.module';
import { APP_OPTIONS, configureApp, createAdapter } from '../../src/app.setup';
import { createPinoLogger, PinoLoggerService } from '../../src/common/logging/logger';
import { appConfig } from '../../src/config/configuration';

/**
 * Modules whose providers the test probes use: probe controllers sit in the test's root
 * module, which sees only what the modules it imports export.
 */
const PROBE_IMPORTS = [AuthModule, PartnerTokenModule];

export interface TestApp {
  readonly app: NestFastifyApplication;
  /** `http://127.0.0.1:<port>` when started with `listen: true`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * Builds the real AppModule exactly as main.ts does (same adapter, options, setup), with
 * `env` applied to process.env while the app reads its configuration. With `listen`, it
 * serves on a free port so several instances can share one database and Redis.
 */
export async function createTestApp(
  options: {
    env?: Record<string, string>;
    listen?: boolean;
    /** Extra controllers mounted beside AppModule's (test probes). */
    controllers?: Type<unknown>[];
    /** Where log lines go instead of stdout (to assert on what is logged). */
    logDestination?: DestinationStream;
  } = {},
): Promise<TestApp> {
  const saved = { ...process.env };
  Object.assign(process.env, options.env ?? {});
  try {
    const config = appConfig();
    const logger = createPinoLogger(config.logLevel, options.logDestination);
    const moduleRef = await Test.createTestingModule({
      imports: [AppModule, ...PROBE_IMPORTS],
      controllers: options.controllers ?? [],
    })
      .setLogger(new PinoLoggerService(logger))
      .compile();
    const app = moduleRef.createNestApplication<NestFastifyApplication>(
      createAdapter({ logger, trustedProxies: config.trustedProxies }),
      APP_OPTIONS,
    );
    configureApp(app);
    await app.init();
    await app.getHttpAdapter().getInstance().ready();
    let url = '';
    if (options.listen) {
      await app.listen(0, '127.0.0.1');
      url = await app.getUrl();
      url = url.replace('[::1]', '127.0.0.1').replace('localhost', '127.0.0.1');
    }
    return { app, url, close: () => app.close() };
  } finally {
    process.env = saved;
  }
}
