import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_OPTIONS, configureApp, createAdapter, shutdownGracefully } from './app.setup';
import { createPinoLogger, PinoLoggerService } from './common/logging/logger';
import { appConfig } from './config/configuration';
import { EnvValidationError, loadDotEnvFile, loadEnv } from './config/env.validation';

const FORCED_EXIT_MARGIN_MS = 1_500;

async function bootstrap(): Promise<void> {
  loadDotEnvFile();
  const env = loadEnv();
  const logger = createPinoLogger(env.LOG_LEVEL);
  const config = appConfig();
  // Imported only after the environment is known to be valid.
  const { AppModule } = await import('./app.module');
  const app = await NestFactory.create<NestFastifyApplication>(
    AppModule,
    createAdapter({ logger, trustedProxies: config.trustedProxies }),
    { ...APP_OPTIONS, logger: new PinoLoggerService(logger) },
  );
  configureApp(app);
  await app.listen(config.port, config.host);

  let stopping = false;
  // `process.on`, not `once`: a second Ctrl-C (a terminal signals the whole process group,
  // and a supervisor may forward it again) must not fall through to Node's default
  // handler, which would kill the process in the middle of the drain.
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} received while shutting down; still draining`);
      return;
    }
    stopping = true;
    // Last resort if something refuses to close: leave before the orchestrator's SIGKILL.
    setTimeout(() => process.exit(1), config.shutdownTimeoutMs + FORCED_EXIT_MARGIN_MS).unref();
    shutdownGracefully(app, signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'Shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof EnvValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Start-up failed: ${(error as Error).message ?? String(error)}\n`);
  }
  process.exit(1);
});
