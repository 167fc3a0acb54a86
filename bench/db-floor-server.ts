import Fastify from 'fastify';
import { createHash, createHmac } from 'node:crypto';
import { createPool, RowDataPacket } from 'mysql2';

/**
 * The database floor: bare Fastify + mysql2 running the statements the service runs,
 * captured from its own connections (BENCH_MISS_SQL, BENCH_BY_ID_SQL: the text with the
 * one varying literal as `?`; prepared and executed when the service prepares them,
 * BENCH_PREPARED), and answering the same JSON: the page's rows in the wire
 * shape with a signed cursor of the same form and length, or the product. No cache, no
 * rate limit, no validation beyond the route: the least a server needs to do for it.
 */
interface Row extends RowDataPacket {
  id: string | number;
  sku: string;
  name: string;
  description: string | null;
  category: string;
  price: string;
  stock: number;
  producer_id: string | number | null;
  created_at: string;
  updated_at: string;
}

const PAGE_LIMIT = 20;
const JSON_TYPE = 'application/json; charset=utf-8';

const iso = (value: string): string => `${value.slice(0, 10)}T${value.slice(11)}Z`;

/** The wire shape of a row (named, like the functions below, for the CPU profile). */
function toWire(row: Row): Record<string, unknown> {
  return {
    id: Number(row.id),
    sku: row.sku,
    name: row.name,
    description: row.description,
    category: row.category,
    price: row.price,
    stock: row.stock,
    producer_id: row.producer_id === null ? null : Number(row.producer_id),
    created_at: iso(row.created_at),
    updated_at: iso(row.updated_at),
  };
}

function main(): Promise<string> {
  const env = process.env;
  const missSql = env.BENCH_MISS_SQL ?? '';
  const byIdSql = env.BENCH_BY_ID_SQL ?? '';
  const signingKey = env.CURSOR_SIGNING_KEY ?? '';
  const pool = createPool({
    host: env.DB_HOST,
    port: Number(env.DB_PORT),
    user: env.DB_USER,
    password: env.DB_PASSWORD,
    database: env.DB_NAME,
    connectionLimit: 10,
    enableKeepAlive: true,
  });
  const prepared = env.BENCH_PREPARED === 'true';
  const runStatement = (sql: string, value: string | number): Promise<Row[]> =>
    new Promise((resolve, reject) => {
      const done = (error: Error | null, rows: Row[]): void =>
        error ? reject(error) : resolve(rows);
      if (prepared) {
        pool.execute<Row[]>({ sql, values: [value], dateStrings: true }, done);
      } else {
        pool.query<Row[]>({ sql, values: [value], dateStrings: true }, done);
      }
    });
  const signCursor = (queryText: string, key: string, id: string): string => {
    const q = createHash('sha256').update(queryText).digest('base64url').slice(0, 22);
    const body = Buffer.from(JSON.stringify({ v: 1, q, k: key, i: id })).toString('base64url');
    return `${body}.${createHmac('sha256', signingKey).update(body).digest('base64url')}`;
  };

  const app = Fastify({ logger: false });
  const renderPage = (rows: Row[], url: string): string => {
    const hasMore = rows.length > PAGE_LIMIT;
    const page = hasMore ? rows.slice(0, PAGE_LIMIT) : rows;
    const last = page[page.length - 1];
    const next = hasMore && last ? signCursor(url, iso(last.created_at), String(last.id)) : null;
    return JSON.stringify({
      data: page.map(toWire),
      page: { limit: PAGE_LIMIT, next_cursor: next, has_more: hasMore },
    });
  };
  const renderProduct = (row: Row): string => JSON.stringify(toWire(row));

  app.get<{ Querystring: { min_price?: string } }>('/products', async (request, reply) => {
    const rows = await runStatement(missSql, request.query.min_price ?? '0.00');
    return reply.type(JSON_TYPE).send(renderPage(rows, request.url));
  });
  app.get<{ Params: { id: string } }>('/products/:id', async (request, reply) => {
    const [row] = await runStatement(byIdSql, Number(request.params.id));
    if (!row) {
      return reply.code(404).type(JSON_TYPE).send('{"status":404}');
    }
    return reply.type(JSON_TYPE).send(renderProduct(row));
  });
  const stop = (): void => {
    void app.close().then(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return app.listen({ port: Number(env.BENCH_FLOOR_PORT), host: '127.0.0.1' });
}

main().catch((error: unknown) => {
  process.stderr.write(`database floor failed: ${String(error)}\n`);
  process.exit(1);
});
