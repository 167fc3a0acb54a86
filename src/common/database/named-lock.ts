import { Logger } from '@nestjs/common';
import type { DataSource } from 'typeorm';

/** GET_LOCK gave up: another holder kept the lock for the whole wait. */
export class NamedLockTimeoutError extends Error {
  override readonly name = 'NamedLockTimeoutError';
  constructor(lockName: string) {
    super(`Timed out waiting for the MySQL lock ${lockName}`);
  }
}

/**
 * Runs `work` while holding the MySQL named lock `lockName` (GET_LOCK, waiting at most
 * `timeoutS`; RELEASE_LOCK after), on one connection of the primary. Instances that race
 * for the same name run one after another, and the server frees the lock if the holder's
 * connection dies. A failed release is logged, not thrown: the lock then ends with the
 * connection.
 */
export async function withNamedLock<T>(
  dataSource: DataSource,
  lockName: string,
  timeoutS: number,
  work: () => Promise<T>,
): Promise<T> {
  const runner = dataSource.createQueryRunner('master');
  try {
    const [row] = (await runner.query('SELECT GET_LOCK(?, ?) AS acquired', [
      lockName,
      timeoutS,
    ])) as { acquired: number | string | null }[];
    if (Number(row?.acquired) !== 1) {
      throw new NamedLockTimeoutError(lockName);
    }
    try {
      return await work();
    } finally {
      await runner.query('SELECT RELEASE_LOCK(?)', [lockName]).catch((error: unknown) => {
        new Logger('Database').warn(
          `Could not release the MySQL lock ${lockName}: ${String(error)}`,
        );
      });
    }
  } finally {
    await runner.release();
  }
}
