export { ProductsModule } from './products.module';
export { ProductsService } from './products.service';
