import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';

/**
 * An open database transaction as a service sees it: nothing to call, only a value to hand
 * to the repositories that take part (they reach the connection through `managerOf`). At
 * run time it is the transaction's TypeORM EntityManager.
 */
export type Transaction = object;

/**
 * The seam for work that spans repositories, possibly of several modules (a product insert
 * and its Idempotency-Key record; a webhook inbox row and the product it updates): one
 * transaction, committed when `work` resolves and rolled back when it throws.
 */
@Injectable()
export class UnitOfWork {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  run<T>(work: (tx: Transaction) => Promise<T>): Promise<T> {
    return this.dataSource.transaction((manager) => work(manager));
  }
}

/** For repositories: the EntityManager behind a Transaction a service handed in. */
export function managerOf(tx: Transaction): EntityManager {
  return tx as EntityManager;
}
