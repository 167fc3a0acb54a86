import {
  CategoryField,
  DescriptionField,
  NameField,
  PriceField,
  ProducerIdField,
  SkuField,
  StockField,
} from './product-fields';

export class CreateProductDto {
  @SkuField() readonly sku!: string;
  @NameField() readonly name!: string;
  @DescriptionField() readonly description?: string | null;
  @CategoryField() readonly category!: string;
  @PriceField() readonly price!: string;
  @StockField() readonly stock!: number;
  @ProducerIdField() readonly producer_id?: number | null;
}
