import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import type { DataSource, EntityManager } from 'typeorm';
import { isDeadlock } from './database-errors';

/**
 * An open database transaction as a service sees it: nothing to call, only a value to hand
 * to the repositories that take part (they reach the connection through `managerOf`). At
 * run time it is the transaction's TypeORM EntityManager.
 */
export type Transaction = object;

/**
 * Runs of a transaction that InnoDB picked as a deadlock victim. The server rolled it back
 * whole, so it runs again from the start (after a short random pause, so the two sides do
 * not meet again in step); a third deadlock in a row is thrown.
 */
const DEADLOCK_ATTEMPTS = 3;
const DEADLOCK_PAUSE_MS = 20;

/**
 * The seam for work that spans repositories, possibly of several modules (a product insert
 * and its Idempotency-Key record; a webhook inbox row and the product it updates): one
 * transaction, committed when `work` resolves and rolled back when it throws. A transaction
 * that loses a deadlock is run again (`work` must keep no state outside it that a rolled
 * back run leaves behind).
 */
@Injectable()
export class UnitOfWork {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.dataSource.transaction((manager) => work(manager));
      } catch (error) {
        if (attempt >= DEADLOCK_ATTEMPTS || !isDeadlock(error)) {
          throw error;
        }
        await sleep(Math.random() * DEADLOCK_PAUSE_MS * attempt);
      }
    }
  }
}

/** For repositories: the EntityManager behind a Transaction a service handed in. */
export function managerOf(tx: Transaction): EntityManager {
  return tx as EntityManager;
}
