import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The webhook inbox (one row per partner event id) and the last applied event time per
 * product field, which keeps an older event from overwriting a newer one.
 */
export class CreateWebhookEvents1763820000000 implements MigrationInterface {
  name = 'CreateWebhookEvents1763820000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE webhook_events (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        event_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        type VARCHAR(100) NULL,
        payload LONGTEXT NOT NULL,
        status ENUM('received', 'processing', 'processed', 'ignored', 'failed') NOT NULL,
        attempts INT UNSIGNED NOT NULL DEFAULT 0,
        lease_owner CHAR(36) CHARACTER SET ascii COLLATE ascii_bin NULL,
        locked_until DATETIME(3) NULL,
        error VARCHAR(1000) NULL,
        received_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        processed_at DATETIME(3) NULL,
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_webhook_events_event_id (event_id),
        KEY idx_webhook_events_status_processed_at (status, processed_at)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
    await queryRunner.query(`
      CREATE TABLE webhook_applied_versions (
        sku VARCHAR(64) NOT NULL,
        field VARCHAR(16) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        event_time DATETIME(3) NOT NULL,
        event_id VARCHAR(255) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (sku, field)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE webhook_applied_versions');
    await queryRunner.query('DROP TABLE webhook_events');
  }
}
