import {
  buildDistanceBatchQuery,
  buildReachQuery,
  buildSortedPageQuery,
  DistanceGroup,
  NearFilters,
  NearPoint,
  SortedPageSpec,
} from './near.sql';

/** How NearReader talks to MySQL: two ways of sending a statement. */
export interface NearSql {
  /** A prepared statement (binary protocol: doubles arrive as their 8 bytes). */
  execute(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
  /** A plain statement (text protocol), DATETIME columns as text. */
  query(sql: string, params: unknown[]): Promise<Record<string, unknown>[]>;
}

/** A producer that delivers to the point, and how far it is (metres, exact double). */
export interface ReachedProducer {
  readonly id: number;
  readonly distanceM: number;
}

/** A product of a near-me page, as stored (DATETIME as `YYYY-MM-DD HH:MM:SS.mmm` text). */
export interface NearProductRow {
  readonly id: number;
  readonly sku: string;
  readonly name: string;
  readonly description: string | null;
  readonly category: string;
  readonly price: string;
  readonly stock: number;
  readonly created_at: string;
  readonly updated_at: string;
  readonly producer_id: number;
  /** Its producer's distance from the point, exactly as SQL computes it. */
  readonly distance_m: number;
}

export interface NearScope {
  readonly point: NearPoint;
  /** Canonical decimal text of `radius_km`, or null. */
  readonly radiusKm: string | null;
  readonly filters: NearFilters;
}

/** The position after the previous page of the distance sort. */
export interface DistanceAfter {
  /** Exactly the `distance_m` of the last row returned (never rounded). */
  readonly distanceM: number;
  readonly id: number;
}

/** Producer groups read by the first statement of a page; each next one reads twice as many. */
const FIRST_BATCH_GROUPS = 1;

/**
 * The near-me reads (docs/near-me.md). A page costs one prepared statement for the
 * producers in reach, then index ranges over those producers' products only: its cost
 * follows the producers within reach of the point, not the catalog or the page depth.
 */
export class NearReader {
  constructor(private readonly db: NearSql) {}

  /** The producers that deliver to the point, by (distance, id). */
  async reach(scope: NearScope, fromDistanceM: number | null = null): Promise<ReachedProducer[]> {
    const { sql, params } = buildReachQuery(scope.point, scope.radiusKm, fromDistanceM);
    const rows = await this.db.execute(sql, params);
    return rows.map((row) => ({ id: Number(row.id), distanceM: row.distance_m as number }));
  }

  /**
   * Up to `fetch` products in (distance, id) order after `after`. Producers at exactly
   * the same distance form a group whose products interleave by id; groups are read
   * nearest first, 1, 2, 4, … per statement, until the page is full. A group at the
   * cursor's distance continues after the cursor's id; farther ones from their start.
   */
  async distancePage(
    scope: NearScope,
    after: DistanceAfter | null,
    fetch: number,
  ): Promise<NearProductRow[]> {
    const producers = await this.reach(scope, after?.distanceM ?? null);
    const groups = groupByDistance(producers);
    const rows: NearProductRow[] = [];
    let next = 0;
    let size = FIRST_BATCH_GROUPS;
    while (rows.length < fetch && next < groups.length) {
      const batch = groups.slice(next, next + size);
      const need = fetch - rows.length;
      const { sql, params } = buildDistanceBatchQuery(
        batch.map((group): DistanceGroup => ({
          producerIds: group.producerIds,
          afterId: after !== null && group.distanceM === after.distanceM ? after.id : null,
        })),
        scope.filters,
        need,
      );
      for (const row of await this.db.query(sql, params)) {
        rows.push(toNearRow(row, batch[Number(row.g)].distanceM));
      }
      next += size;
      size *= 2;
    }
    return rows;
  }

  /** Up to `spec.fetch` products of the producers in reach, in the spec's sort. */
  async sortedPage(scope: NearScope, spec: SortedPageSpec): Promise<NearProductRow[]> {
    const producers = await this.reach(scope);
    if (producers.length === 0) {
      return [];
    }
    const distances = new Map(producers.map((p) => [p.id, p.distanceM]));
    const { sql, params } = buildSortedPageQuery(
      producers.map((p) => p.id),
      spec,
    );
    const rows = await this.db.query(sql, params);
    return rows.map((row) => toNearRow(row, distances.get(Number(row.producer_id)) as number));
  }
}

interface Group {
  readonly distanceM: number;
  readonly producerIds: number[];
}

function groupByDistance(producers: readonly ReachedProducer[]): Group[] {
  const groups: Group[] = [];
  for (const producer of producers) {
    const last = groups[groups.length - 1];
    if (last !== undefined && last.distanceM === producer.distanceM) {
      last.producerIds.push(producer.id);
    } else {
      groups.push({ distanceM: producer.distanceM, producerIds: [producer.id] });
    }
  }
  return groups;
}

function toNearRow(row: Record<string, unknown>, distanceM: number): NearProductRow {
  return {
    id: Number(row.id),
    sku: row.sku as string,
    name: row.name as string,
    description: row.description as string | null,
    category: row.category as string,
    price: row.price as string,
    stock: row.stock as number,
    created_at: row.created_at as string,
    updated_at: row.updated_at as string,
    producer_id: Number(row.producer_id),
    distance_m: distanceM,
  };
}
