import {
  CategoryField,
  DescriptionField,
  NameField,
  PriceField,
  ProducerIdField,
  SkuField,
  StockField,
} from './product-fields';

/** Any subset of the writable fields; `description: null` clears the description. */
export class UpdateProductDto {
  @SkuField(false) readonly sku?: string;
  @NameField(false) readonly name?: string;
  @DescriptionField() readonly description?: string | null;
  @CategoryField(false) readonly category?: string;
  @PriceField(false) readonly price?: string;
  @StockField(false) readonly stock?: number;
  @ProducerIdField() readonly producer_id?: number | null;
}
