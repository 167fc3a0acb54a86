import { Column, Entity, Generated, Index, PrimaryColumn } from 'typeorm';

const bigintToNumber = {
  to: (value: number | undefined): number | undefined => value,
  from: (value: string | null): number | null => (value === null ? null : Number(value)),
};

/** A catalog product (table `products`; indexes in migrations/…-create-products.ts). */
@Entity({ name: 'products' })
@Index('ix_products_created_at', ['createdAt', 'id'])
@Index('ix_products_price', ['price', 'id'])
@Index('ix_products_name', ['name', 'id'])
@Index('ix_products_category', ['category', 'id'])
@Index('ix_products_category_created_at', ['category', 'createdAt', 'id'])
@Index('ix_products_category_price', ['category', 'price', 'id'])
@Index('ix_products_category_name', ['category', 'name', 'id'])
export class Product {
  @PrimaryColumn({ type: 'bigint', unsigned: true, transformer: bigintToNumber })
  @Generated('increment')
  id!: number;

  @Index('uq_products_sku', { unique: true })
  @Column({ type: 'varchar', length: 64 })
  sku!: string;

  @Column({ type: 'varchar', length: 200 })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'varchar', length: 64 })
  category!: string;

  /** Money stays a decimal string end to end ("129.50"). */
  @Column({ type: 'decimal', precision: 10, scale: 2 })
  price!: string;

  @Column({ type: 'int' })
  stock!: number;

  @Column({
    name: 'created_at',
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  createdAt!: Date;

  @Column({
    name: 'updated_at',
    type: 'datetime',
    precision: 3,
    default: () => 'CURRENT_TIMESTAMP(3)',
  })
  updatedAt!: Date;
}
