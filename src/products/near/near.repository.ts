import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, QueryFailedError } from 'typeorm';
import {
  DistanceAfter,
  NearProductRow,
  NearReader,
  NearScope,
  NearSql,
  ReachedProducer,
} from './near-reader';
import type { SortedPageSpec } from './near.sql';

type Callback = (error: Error | null, rows: unknown) => void;

/** What NearRepository needs of the connection a query runner hands out (mysql2). */
interface PoolConnection {
  query(options: { sql: string; values: unknown[]; dateStrings: boolean }, cb: Callback): void;
  execute(options: { sql: string; values: unknown[] }, cb: Callback): void;
}

/**
 * The near-me reads (near-reader.ts) on the application's pool, from the read replicas
 * when they are configured (TypeORM's 'slave' query runner, as the product listing does).
 * The producers-in-reach statement goes through `execute()`: mysql2 prepares it once per
 * connection (a handful of shapes) and reads each distance as its binary double; product
 * pages go through `query()`, with DATETIME as text.
 */
@Injectable()
export class NearRepository {
  private readonly reader: NearReader;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
    const sql: NearSql = {
      execute: (text, params) => this.send('execute', text, params),
      query: (text, params) => this.send('query', text, params),
    };
    this.reader = new NearReader(sql);
  }

  /** The producers that deliver to the point, nearest first (ties by id). */
  findReach(scope: NearScope): Promise<ReachedProducer[]> {
    return this.reader.reach(scope);
  }

  /** Up to `fetch` products in (distance, id) order after `after` (null: the first page). */
  findDistancePage(
    scope: NearScope,
    after: DistanceAfter | null,
    fetch: number,
  ): Promise<NearProductRow[]> {
    return this.reader.distancePage(scope, after, fetch);
  }

  /** Up to `spec.fetch` products of the producers in reach, in another listing order. */
  findSortedPage(scope: NearScope, spec: SortedPageSpec): Promise<NearProductRow[]> {
    return this.reader.sortedPage(scope, spec);
  }

  private async send(
    how: 'execute' | 'query',
    sql: string,
    params: unknown[],
  ): Promise<Record<string, unknown>[]> {
    const runner = this.dataSource.driver.createQueryRunner('slave');
    const connection = (await runner.connect()) as PoolConnection;
    return new Promise((resolve, reject) => {
      const done: Callback = (error, rows) => {
        void runner.release();
        if (error) {
          reject(new QueryFailedError(sql, params, error));
        } else {
          resolve(rows as Record<string, unknown>[]);
        }
      };
      if (how === 'execute') {
        connection.execute({ sql, values: params }, done);
      } else {
        connection.query({ sql, values: params, dateStrings: true }, done);
      }
    });
  }
}
