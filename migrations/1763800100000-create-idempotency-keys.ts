import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Inbound Idempotency-Key records (docs/api.md, "Idempotency"). A request claims its key by
 * INSERT on the unique scope + key; the stored response is replayed for 24 h.
 */
export class CreateIdempotencyKeys1763800100000 implements MigrationInterface {
  name = 'CreateIdempotencyKeys1763800100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        scope_hash CHAR(64) NOT NULL,
        idempotency_key VARCHAR(255) NOT NULL,
        principal VARCHAR(255) NOT NULL,
        method VARCHAR(10) NOT NULL,
        route VARCHAR(255) NOT NULL,
        fingerprint CHAR(64) NOT NULL,
        status VARCHAR(16) NOT NULL,
        lock_token CHAR(32) NULL,
        locked_until DATETIME(3) NULL,
        response_status SMALLINT UNSIGNED NULL,
        response_headers TEXT NULL,
        response_body MEDIUMTEXT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        expires_at DATETIME(3) NOT NULL,
        PRIMARY KEY (id),
        UNIQUE KEY uq_idempotency_keys_scope_key (scope_hash, idempotency_key),
        KEY ix_idempotency_keys_expires_at (expires_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE idempotency_keys');
  }
}
