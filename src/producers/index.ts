export { NearRepository } from './near.repository';
export type { DistanceAfter, NearProductRow, NearScope, ReachedProducer } from './near-reader';
export type {
  NearFilters,
  NearPoint,
  NearSortKey,
  NearSortOrder,
  SortedAfter,
  SortedPageSpec,
} from './near.sql';
export { ProducersModule } from './producers.module';
