import type { ClientAddresses } from './clients';
import { cents, OPEN_BOUND_CENTS, SORT_ORDERS } from './scenarios';

/** Walks run at once while collecting near-me cursors. */
const NEAR_WALKS = 8;

const DESCENT_LIMIT = 100;
const PAGE_LIMIT = 20;

interface Page {
  readonly page: { readonly next_cursor: string | null };
}

async function fetchPage(clients: ClientAddresses, baseUrl: string, path: string): Promise<Page> {
  const res = await clients.fetch(`${baseUrl}${path}`);
  if (!res.ok) {
    throw new Error(`GET ${path} answered ${res.status}: ${(await res.text()).slice(0, 300)}`);
  }
  return (await res.json()) as Page;
}

function listingPath(sort: string, order: string, limit: number, cursor: string | null): string {
  const base = `/products?sort=${sort}&order=${order}&max_price=${cents(OPEN_BOUND_CENTS)}&limit=${limit}`;
  return cursor === null ? base : `${base}&cursor=${encodeURIComponent(cursor)}`;
}

/** Cursor of the page that starts after `rows` rows, reached 100 rows per request. */
async function descend(
  clients: ClientAddresses,
  baseUrl: string,
  sort: string,
  order: string,
  rows: number,
): Promise<string> {
  let cursor: string | null = null;
  for (let done = 0; done < rows; done += DESCENT_LIMIT) {
    const page: Page = await fetchPage(
      clients,
      baseUrl,
      listingPath(sort, order, DESCENT_LIMIT, cursor),
    );
    cursor = page.page.next_cursor;
    if (cursor === null) {
      throw new Error(`the ${sort} ${order} listing ends before row ${rows}`);
    }
  }
  if (cursor === null) {
    throw new Error('depth must be at least one page');
  }
  return cursor;
}

export interface DeepCursors {
  /** Request paths with limit=20, each for a different page. */
  readonly paths: string[];
  readonly fromPage: number;
  readonly toPage: number;
  readonly elapsedMs: number;
}

/**
 * Walks every sort/order pair through the API: down to the window around `centerPage`
 * (pages of 20) 100 rows per request, then page by page, keeping each page's request
 * path. All pairs walk in parallel. Every collected path is a page never requested twice.
 */
export async function collectDeepCursors(
  baseUrl: string,
  centerPage: number,
  wanted: number,
  clients: ClientAddresses,
): Promise<DeepCursors> {
  const started = Date.now();
  const perPair = Math.max(1, Math.ceil(wanted / SORT_ORDERS.length));
  // Centred on centerPage, but never starting above half its depth: a fast machine asks
  // for more pages than fit below it, and those come after it instead.
  const half = Math.min(Math.floor(perPair / 2), Math.floor(centerPage / 2));
  const startRows = Math.max(
    DESCENT_LIMIT,
    Math.floor(((centerPage - half) * PAGE_LIMIT) / DESCENT_LIMIT) * DESCENT_LIMIT,
  );
  const walks = SORT_ORDERS.map(async ([sort, order]) => {
    const paths: string[] = [];
    let cursor: string | null = await descend(clients, baseUrl, sort, order, startRows);
    while (cursor !== null && paths.length < perPair) {
      const path = listingPath(sort, order, PAGE_LIMIT, cursor);
      paths.push(path);
      cursor = (await fetchPage(clients, baseUrl, path)).page.next_cursor;
    }
    return paths;
  });
  const paths = (await Promise.all(walks)).flat();
  const fromPage = startRows / PAGE_LIMIT + 1;
  return { paths, fromPage, toPage: fromPage + perPair - 1, elapsedMs: Date.now() - started };
}

/**
 * near-deep's pages: for one point after another (`nextPoint`), down to `depthPage` (pages
 * of 20) 100 rows per request, then `perPoint` pages of 20, keeping each page's request
 * path; `NEAR_WALKS` points at a time. A cursor is bound to its point, so each point gives
 * its own pages, and `limit` (not bound) lets the descent use pages of 100.
 */
export async function collectNearCursors(
  baseUrl: string,
  nextPoint: () => string,
  depthPage: number,
  wanted: number,
  clients: ClientAddresses,
): Promise<DeepCursors> {
  const started = Date.now();
  const perPoint = 25;
  const startRows = Math.max(
    DESCENT_LIMIT,
    Math.floor((depthPage * PAGE_LIMIT) / DESCENT_LIMIT) * DESCENT_LIMIT,
  );
  const paths: string[] = [];
  const pathOf = (near: string, limit: number, cursor: string | null): string =>
    `/products?near=${near}&limit=${limit}` +
    (cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`);
  const walk = async (): Promise<void> => {
    while (paths.length < wanted) {
      const near = nextPoint();
      let cursor: string | null = null;
      for (let done = 0; done < startRows; done += DESCENT_LIMIT) {
        cursor = (await fetchPage(clients, baseUrl, pathOf(near, DESCENT_LIMIT, cursor))).page
          .next_cursor;
        if (cursor === null) {
          throw new Error(`the listing near ${near} ends before row ${startRows}`);
        }
      }
      for (let n = 0; n < perPoint && cursor !== null && paths.length < wanted; n += 1) {
        const path = pathOf(near, PAGE_LIMIT, cursor);
        paths.push(path);
        cursor = (await fetchPage(clients, baseUrl, path)).page.next_cursor;
      }
    }
  };
  await Promise.all(Array.from({ length: NEAR_WALKS }, walk));
  const fromPage = startRows / PAGE_LIMIT + 1;
  return { paths, fromPage, toPage: fromPage + perPoint - 1, elapsedMs: Date.now() - started };
}
