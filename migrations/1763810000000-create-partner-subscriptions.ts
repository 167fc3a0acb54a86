import { MigrationInterface, QueryRunner } from 'typeorm';

/** Webhook subscriptions registered at the partner, one per partner id and per URL. */
export class CreatePartnerSubscriptions1763810000000 implements MigrationInterface {
  name = 'CreatePartnerSubscriptions1763810000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE \`partner_subscriptions\` (
        \`id\` BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        \`partner_id\` VARCHAR(128) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        \`url\` VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        \`events\` VARCHAR(1024) NOT NULL,
        \`secret\` VARCHAR(512) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin NOT NULL,
        \`created_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        \`updated_at\` DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3) ON UPDATE CURRENT_TIMESTAMP(3),
        PRIMARY KEY (\`id\`),
        UNIQUE KEY \`UQ_partner_subscriptions_partner_id\` (\`partner_id\`),
        UNIQUE KEY \`UQ_partner_subscriptions_url\` (\`url\`)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE `partner_subscriptions`');
  }
}
