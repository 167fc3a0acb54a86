import { Column, Entity, Generated, Index, JoinColumn, ManyToOne, PrimaryColumn } from 'typeorm';
import { bigintToNumber } from '../common/database/transformers';

/**
 * A catalog product (table `products`). The listing indexes (migrations/…-create-products.ts,
 * widened by …-listing-covering-indexes.ts) carry price, stock and name after their sort
 * columns, so filters are checked inside the index.
 */
@Entity({ name: 'products' })
@Index('ix_products_created_at', ['createdAt', 'id', 'price', 'stock', 'name'])
@Index('ix_products_price', ['price', 'id', 'stock', 'name'])
@Index('ix_products_name', ['name', 'id', 'price', 'stock'])
@Index('ix_products_category', ['category', 'id', 'price', 'stock', 'name'])
@Index('ix_products_category_created_at', ['category', 'createdAt', 'id', 'price', 'stock', 'name'])
@Index('ix_products_category_price', ['category', 'price', 'id', 'stock', 'name'])
@Index('ix_products_category_name', ['category', 'name', 'id', 'price', 'stock'])
@Index('ix_products_producer', ['producerId', 'id', 'category', 'price', 'stock', 'name'])
@Index('ix_products_producer_price', ['producerId', 'price', 'id', 'category', 'stock', 'name'])
@Index('ix_products_producer_name', ['producerId', 'name', 'id', 'category', 'price', 'stock'])
@Index('ix_products_producer_created_at', [
  'producerId',
  'createdAt',
  'id',
  'category',
  'price',
  'stock',
  'name',
])
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

  /**
   * The producer that sells it (migrations/1763850000000-create-producers.ts), or null.
   * The relation names its target by entity name, so this file needs nothing from the
   * producers module; it exists for the foreign key and is never loaded.
   */
  @Column({
    name: 'producer_id',
    type: 'bigint',
    unsigned: true,
    nullable: true,
    transformer: bigintToNumber,
  })
  producerId?: number | null;

  @ManyToOne('Producer', { nullable: true, onDelete: 'SET NULL', onUpdate: 'NO ACTION' })
  @JoinColumn({ name: 'producer_id', foreignKeyConstraintName: 'fk_products_producer' })
  producer?: { id: number } | null;

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
