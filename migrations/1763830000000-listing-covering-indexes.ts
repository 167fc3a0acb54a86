import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The listing indexes carry the filter columns after `id`: `price`, `stock` and `name`
 * (the columns of `min_price`/`max_price`, `in_stock` and `q`) wherever they are not the
 * sort key. The order each index gives is unchanged (`<sort>, id`, or `category, <sort>,
 * id`), but a filtered page can now find its ids on the index alone, testing each entry
 * it walks past without reading that row, and read only the rows it returns
 * (src/products/products-page.sql.ts). Same names as before, so query hints keep naming
 * them.
 *
 * Only indexes whose columns differ are rebuilt, in one ALTER TABLE (one scan of the
 * table); a database whose indexes already match is left alone.
 */
const COVERING: Record<string, string> = {
  ix_products_created_at: 'created_at, id, price, stock, name',
  ix_products_price: 'price, id, stock, name',
  ix_products_name: 'name, id, price, stock',
  ix_products_category: 'category, id, price, stock, name',
  ix_products_category_created_at: 'category, created_at, id, price, stock, name',
  ix_products_category_price: 'category, price, id, stock, name',
  ix_products_category_name: 'category, name, id, price, stock',
};

const NARROW: Record<string, string> = {
  ix_products_created_at: 'created_at, id',
  ix_products_price: 'price, id',
  ix_products_name: 'name, id',
  ix_products_category: 'category, id',
  ix_products_category_created_at: 'category, created_at, id',
  ix_products_category_price: 'category, price, id',
  ix_products_category_name: 'category, name, id',
};

async function currentColumns(queryRunner: QueryRunner): Promise<Map<string, string>> {
  const rows = (await queryRunner.query(
    `SELECT index_name AS name, column_name AS col FROM information_schema.statistics
      WHERE table_schema = DATABASE() AND table_name = 'products'
      ORDER BY index_name, seq_in_index`,
  )) as { name: string; col: string }[];
  const columns = new Map<string, string[]>();
  for (const row of rows) {
    columns.set(row.name, [...(columns.get(row.name) ?? []), row.col]);
  }
  return new Map([...columns].map(([name, cols]) => [name, cols.join(', ')]));
}

async function reshape(queryRunner: QueryRunner, wanted: Record<string, string>): Promise<void> {
  const current = await currentColumns(queryRunner);
  const changes = Object.entries(wanted)
    .filter(([name, columns]) => current.get(name) !== columns)
    .flatMap(([name, columns]) => [
      ...(current.has(name) ? [`DROP INDEX ${name}`] : []),
      `ADD INDEX ${name} (${columns})`,
    ]);
  if (changes.length > 0) {
    await queryRunner.query(`ALTER TABLE products ${changes.join(', ')}`);
  }
}

export class ListingCoveringIndexes1763830000000 implements MigrationInterface {
  name = 'ListingCoveringIndexes1763830000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await reshape(queryRunner, COVERING);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await reshape(queryRunner, NARROW);
  }
}
