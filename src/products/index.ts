export { ProductsModule } from './products.module';
export { ProductsService } from './products.service';
export type { ProductChange } from './listing-cache/change-feed';
