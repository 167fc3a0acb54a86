import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Producers, and the producer of each product (docs/near-me.md).
 *
 * `producers` holds the point as DECIMAL(9,6) `lat`/`lng` (every distance is computed from
 * these, as `ST_Distance_Sphere(POINT(lng, lat), …)`) and one derived geometry:
 * `delivery_box`, the latitude/longitude rectangle that contains the producer's whole
 * delivery area (the spherical cap of `delivery_radius_km` around the point), SRID 0 with
 * x = longitude, y = latitude. Its SPATIAL index turns "which producers deliver to this
 * point" into an R-tree stabbing lookup (`MBRIntersects(delivery_box, POINT(lng, lat))`):
 * only producers whose box holds the point are read, and the exact distance then decides.
 * Indexing the location point instead would need a search window as wide as the largest
 * radius any producer has. Spatial indexes need NOT NULL columns.
 *
 * `SRID 0` is written as a MySQL 8 versioned comment: MySQL 8 uses a spatial index only
 * on a column that carries an SRID attribute; MariaDB has no such attribute, skips the
 * comment, and treats the geometries as SRID 0 anyway.
 *
 * `products.producer_id` (NULL = no producer) references `producers` ON DELETE SET NULL:
 * removing a producer leaves its products in the catalog without a producer, where they
 * match no "near me" listing, instead of deleting them or refusing the delete. Its
 * indexes, (producer_id, <listing key>, id) plus the filter columns, read one producer's
 * products in id, price, name or created_at order and test every filter on the index
 * alone. `ix_products_producer` is also the foreign key's index.
 *
 * The foreign key is added with `foreign_key_checks` off for this session only: every
 * `producer_id` is NULL at that moment, so there is nothing to check, and InnoDB then adds
 * it in place instead of copying the table.
 */
const PRODUCER_INDEXES: Record<string, string> = {
  ix_products_producer: 'producer_id, id, category, price, stock, name',
  ix_products_producer_price: 'producer_id, price, id, category, stock, name',
  ix_products_producer_name: 'producer_id, name, id, category, price, stock',
  ix_products_producer_created_at: 'producer_id, created_at, id, category, price, stock, name',
};

export class CreateProducers1763850000000 implements MigrationInterface {
  name = 'CreateProducers1763850000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE producers (
        id BIGINT UNSIGNED NOT NULL AUTO_INCREMENT,
        name VARCHAR(200) NOT NULL,
        lat DECIMAL(9,6) NOT NULL,
        lng DECIMAL(9,6) NOT NULL,
        delivery_radius_km DECIMAL(5,1) NOT NULL,
        delivery_box POLYGON NOT NULL /*!80003 SRID 0 */,
        created_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        updated_at DATETIME(3) NOT NULL DEFAULT CURRENT_TIMESTAMP(3),
        PRIMARY KEY (id),
        SPATIAL KEY sx_producers_delivery_box (delivery_box),
        CONSTRAINT ck_producers_lat CHECK (lat BETWEEN -90 AND 90),
        CONSTRAINT ck_producers_lng CHECK (lng BETWEEN -180 AND 180),
        CONSTRAINT ck_producers_radius CHECK (delivery_radius_km BETWEEN 0.5 AND 100)
      ) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci
    `);
    const indexes = Object.entries(PRODUCER_INDEXES).map(
      ([name, columns]) => `ADD INDEX ${name} (${columns})`,
    );
    await queryRunner.query('SET SESSION foreign_key_checks = 0');
    try {
      await queryRunner.query(`
        ALTER TABLE products
          ADD COLUMN producer_id BIGINT UNSIGNED NULL,
          ${indexes.join(',\n          ')},
          ADD CONSTRAINT fk_products_producer FOREIGN KEY (producer_id)
            REFERENCES producers (id) ON DELETE SET NULL ON UPDATE NO ACTION
      `);
    } finally {
      await queryRunner.query('SET SESSION foreign_key_checks = 1');
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const drops = Object.keys(PRODUCER_INDEXES).map((name) => `DROP INDEX ${name}`);
    await queryRunner.query(`
      ALTER TABLE products
        DROP FOREIGN KEY fk_products_producer,
        ${drops.join(',\n        ')},
        DROP COLUMN producer_id
    `);
    await queryRunner.query('DROP TABLE producers');
  }
}
