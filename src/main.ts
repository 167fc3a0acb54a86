import { NestFactory } from '@nestjs/core';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { APP_OPTIONS, configureApp, createAdapter } from './app.setup';
import { createPinoLogger, PinoLoggerService } from './common/logging/logger';
import { appConfig } from './config/configuration';
import { EnvValidationError, loadDotEnvFile, loadEnv } from './config/env.validation';

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
  configureApp(app, { shutdownHooks: true });
  await app.listen(config.port, config.host);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof EnvValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`Start-up failed: ${(error as Error).message ?? String(error)}\n`);
  }
  process.exit(1);
});
