import Fastify from 'fastify';
import { readFileSync } from 'node:fs';

/**
 * The floor: a bare Fastify server that answers every GET with the bytes and content type
 * of a real first page of products, read from BENCH_FLOOR_BODY_FILE. Nothing else runs
 * per request, so its requests/s is the most this machine can serve for that payload.
 */
async function main(): Promise<void> {
  const body = readFileSync(process.env.BENCH_FLOOR_BODY_FILE ?? '');
  const contentType = process.env.BENCH_FLOOR_CONTENT_TYPE ?? 'application/json; charset=utf-8';
  const app = Fastify({ logger: false });
  app.get('/*', (_request, reply) => {
    void reply.type(contentType).send(body);
  });
  await app.listen({ port: Number(process.env.BENCH_FLOOR_PORT), host: '127.0.0.1' });
  const stop = (): void => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`floor server failed: ${String(error)}\n`);
  process.exit(1);
});
