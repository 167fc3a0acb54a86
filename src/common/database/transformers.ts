import type { ValueTransformer } from 'typeorm';

/**
 * BIGINT ids come back from mysql2 as strings; our ids stay far below 2^53, so they are
 * numbers in the code and on the wire.
 */
export const bigintToNumber: ValueTransformer = {
  to: (value: number | undefined): number | undefined => value,
  from: (value: string | null): number | null => (value === null ? null : Number(value)),
};
