export { ProducersModule } from './producers.module';
