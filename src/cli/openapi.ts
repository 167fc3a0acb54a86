import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { readFileSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { Env } from '../config/env.validation';
import { buildOpenApiDocument, OPENAPI_FILE } from '../openapi-document';

/**
 * `npm run openapi` writes the OpenAPI document to openapi.json; `npm run openapi -- --check`
 * exits 1 when the committed file differs from what the code describes. The application is
 * created in preview mode: no provider runs, so neither MySQL nor Redis is needed. The
 * committed file names PUBLIC_BASE_URL's default as its server, whatever the environment
 * says, so that it only changes when the API does; a running service serves its own
 * PUBLIC_BASE_URL at /docs-json.
 */
export async function renderOpenApiDocument(): Promise<string> {
  const { AppModule } = await import('../app.module');
  const app = await NestFactory.create(AppModule, new FastifyAdapter(), {
    preview: true,
    logger: false,
    abortOnError: false,
  });
  try {
    const document = buildOpenApiDocument(app, new Env().PUBLIC_BASE_URL);
    return `${JSON.stringify(document, null, 2)}\n`;
  } finally {
    await app.close();
  }
}

async function main(): Promise<void> {
  const path = resolve(OPENAPI_FILE);
  const rendered = await renderOpenApiDocument();
  if (!process.argv.includes('--check')) {
    writeFileSync(path, rendered);
    console.log(`Wrote ${OPENAPI_FILE}`);
    return;
  }
  let committed = '';
  try {
    committed = readFileSync(path, 'utf8');
  } catch {
    // A missing file is drift too.
  }
  if (committed !== rendered) {
    console.error(
      `${OPENAPI_FILE} is out of date with the code: run \`npm run openapi\` and commit the result.`,
    );
    process.exit(1);
  }
  console.log(`${OPENAPI_FILE} matches the code`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(`OpenAPI generation failed: ${String(error)}`);
    process.exit(1);
  });
}
