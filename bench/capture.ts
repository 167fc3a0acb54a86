import { setTimeout as sleep } from 'node:timers/promises';
import { ClientAddresses } from './clients';
import type { BenchOptions } from './options';
import { stopChild } from './processes';
import { RecordingProxy } from './recording-proxy';
import { HOT_PATH } from './scenarios';
import { startService } from './service';
import { deliver } from './webhook-sender';
import { MysqlClientParser, RespClientParser, SqlCommand, sqlTemplate } from './wire';

/** What one kind of request sends to Redis and MySQL, in order (the most common sequence). */
export interface Anatomy {
  readonly path: string;
  readonly status: number;
  readonly redis: string[];
  readonly sql: string[];
}

export interface Capture {
  /** The miss scenario's page statement with its `min_price` literal as `?`. */
  readonly missSql: string;
  /** The by-id statement with its id literal as `?`. */
  readonly byIdSql: string;
  /**
   * Whether the service sent them as prepared statements (binary protocol, `execute`):
   * the statement text is then the prepared one, and the floor prepares it too.
   */
  readonly prepared: boolean;
  readonly anatomy: Record<'hot' | 'miss' | 'by-id' | 'webhook', Anatomy>;
}

const BY_ID = 777_777;
const REPEATS = 5;
const SETTLE_MS = 15;

function redisLabel(args: string[], prefix: string): string {
  const name = args[0].toLowerCase();
  const strip = (key: string): string =>
    (key.startsWith(prefix) ? key.slice(prefix.length) : key)
      .replace(/[A-Za-z0-9_-]{20,}/g, '…')
      .replace(/\d+\.\d+\.\d+\.\d+/g, '<ip>');
  if (name === 'evalsha' || name === 'eval') {
    const keys = args.slice(3, 3 + Number(args[2]));
    return `${name} [${keys.map(strip).join(', ')}]`;
  }
  return args.length > 1 ? `${name} ${strip(args[1])}` : name;
}

function sqlLabel(command: SqlCommand): string {
  if (command.kind !== 'query' && command.kind !== 'prepare') {
    return command.kind;
  }
  const text = command.text.replace(/\s+/g, ' ').trim();
  return `${command.kind}: ${text.length > 70 ? `${text.slice(0, 70)}…` : text}`;
}

/** The sequence seen most often among the repeats (a background command is the odd one out). */
function mostCommon(runs: string[][]): string[] {
  const counts = new Map<string, { run: string[]; n: number }>();
  for (const run of runs) {
    const key = run.join('\n');
    const seen = counts.get(key) ?? { run, n: 0 };
    seen.n += 1;
    counts.set(key, seen);
  }
  return [...counts.values()].sort((a, b) => b.n - a.n)[0]?.run ?? [];
}

/**
 * Starts a second instance of the service whose MySQL and Redis connections go through
 * recording proxies, sends a few requests of each kind one at a time, and keeps what each
 * sent: the statement text the database floor then runs, and each path's round trips.
 */
export async function captureRequests(
  options: BenchOptions,
  webhookProduct: { sku: string; stock: number },
  missPrice: string,
): Promise<Capture> {
  const redisUrl = new URL(options.redisUrl);
  const mysql = await RecordingProxy.start<SqlCommand>(
    { host: options.dbHost, port: options.dbPort },
    () => new MysqlClientParser(),
  );
  const redis = await RecordingProxy.start<string[]>(
    { host: redisUrl.hostname, port: Number(redisUrl.port || 6379) },
    () => new RespClientParser(),
  );
  redisUrl.hostname = '127.0.0.1';
  redisUrl.port = String(redis.port);
  const service = await startService(options, null, {
    DB_HOST: '127.0.0.1',
    DB_PORT: String(mysql.port),
    REDIS_URL: redisUrl.toString(),
  }).catch(async (error: unknown) => {
    await Promise.all([mysql.close(), redis.close()]);
    throw error;
  });
  const clients = new ClientAddresses(1024);
  try {
    await sleep(300);
    const one = async (
      send: () => Promise<number>,
    ): Promise<{ status: number; sql: SqlCommand[]; redis: string[][] }> => {
      const from = performance.now();
      const status = await send();
      await sleep(SETTLE_MS);
      const to = performance.now();
      return { status, sql: mysql.between(from, to), redis: redis.between(from, to) };
    };
    const get = (path: string) => () =>
      clients.fetch(`${service.url}${path}`).then(async (res) => {
        await res.arrayBuffer();
        return res.status;
      });
    const anatomyOf = async (
      path: string,
      send: (i: number) => () => Promise<number>,
    ): Promise<{ anatomy: Anatomy; sql: SqlCommand[][]; warmSql: SqlCommand[] }> => {
      const warm = await one(send(-1));
      const runs = [];
      for (let i = 0; i < REPEATS; i += 1) {
        runs.push(await one(send(i)));
      }
      return {
        anatomy: {
          path,
          status: runs[0].status,
          redis: mostCommon(
            runs.map((r) => r.redis.map((c) => redisLabel(c, options.redisPrefix))),
          ),
          sql: mostCommon(runs.map((r) => r.sql.map(sqlLabel))),
        },
        sql: runs.map((r) => r.sql),
        warmSql: warm.sql,
      };
    };
    const hot = await anatomyOf(HOT_PATH, () => get(HOT_PATH));
    const missPath = (i: number): string =>
      `/products?min_price=${i === 0 ? missPrice : `${Number(missPrice.split('.')[0]) + 2 + i}.00`}`;
    const miss = await anatomyOf('/products?min_price=P', (i) => get(missPath(i)));
    const byIdPath = (i: number): string => `/products/${i === 0 ? BY_ID : BY_ID + 10 + i}`;
    const byId = await anatomyOf('/products/:id', (i) => get(byIdPath(i)));
    const webhook = await anatomyOf(
      'POST /webhooks/partner',
      () => () => deliver(service.url, webhookProduct).then((r) => r.status),
    );
    // A text-protocol statement carries the literal; a prepared one is prepared once per
    // connection (by the first request of its kind, the warm-up, on an idle pool) and
    // executed with its values apart.
    const pick = (
      kind: { sql: SqlCommand[][]; warmSql: SqlCommand[] },
      literal: string | number,
    ): [string, boolean] => {
      const runs = kind.sql;
      const found = runs[0].find((c) => c.kind === 'query' && c.text.includes(String(literal)));
      if (found) {
        return [sqlTemplate(found.text, literal), false];
      }
      const prepared = [kind.warmSql, ...runs].flat().filter((c) => c.kind === 'prepare');
      if (prepared.length > 0 && runs[0].some((c) => c.kind === 'execute')) {
        return [mostCommon(prepared.map((c) => [c.text]))[0], true];
      }
      throw new Error(`no captured statement carries ${literal}`);
    };
    const [missSql, missPrepared] = pick(miss, missPrice);
    const [byIdSql, byIdPrepared] = pick(byId, BY_ID);
    if (missPrepared !== byIdPrepared) {
      throw new Error('the miss and by-id reads use different protocols');
    }
    return {
      missSql,
      byIdSql,
      prepared: missPrepared,
      anatomy: {
        hot: hot.anatomy,
        miss: miss.anatomy,
        'by-id': byId.anatomy,
        webhook: webhook.anatomy,
      },
    };
  } finally {
    await stopChild(service);
    await Promise.all([mysql.close(), redis.close()]);
  }
}
