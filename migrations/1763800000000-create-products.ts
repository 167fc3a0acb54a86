import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The product catalog. Every secondary index ends in `id` so that each listing order
 * `ORDER BY <key> <dir>, id <dir>` (optionally within one category) is read straight off
 * an index, and the keyset predicate `key < ? OR (key = ? AND id < ?)` is a range on it.
 */
export class CreateProducts1763800000000 implements MigrationInterface {
  name = 'CreateProducts1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE products (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        sku VARCHAR(64) NOT NULL,
        name VARCHAR(200) NOT NULL,
        description TEXT NULL,
        category VARCHAR(64) NOT NULL,
        price DECIMAL(10,2) NOT NULL,
        stock INT NOT NULL,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        UNIQUE KEY uq_products_sku (sku),
        KEY ix_products_created_at (created_at, id),
        KEY ix_products_price (price, id),
        KEY ix_products_name (name, id),
        KEY ix_products_category (category, id),
        KEY ix_products_category_created_at (category, created_at, id),
        KEY ix_products_category_price (category, price, id),
        KEY ix_products_category_name (category, name, id)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query('DROP TABLE products');
  }
}
