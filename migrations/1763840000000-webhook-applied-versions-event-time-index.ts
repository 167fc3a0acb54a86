import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * An index on `webhook_applied_versions.event_time`, so the hourly cleanup deletes the
 * versions too old to order anything oldest first without scanning the table.
 */
export class WebhookAppliedVersionsEventTimeIndex1763840000000 implements MigrationInterface {
  name = 'WebhookAppliedVersionsEventTimeIndex1763840000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'CREATE INDEX idx_webhook_applied_versions_event_time ON webhook_applied_versions (event_time)',
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      'DROP INDEX idx_webhook_applied_versions_event_time ON webhook_applied_versions',
    );
  }
}
