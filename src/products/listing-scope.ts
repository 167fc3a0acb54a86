import type { ListProductsQuery } from './list-products.query';
import type { ChangeTest, ProductState } from './listing-cache/change-feed';

/**
 * Which stock/price changes of a product a page does NOT hold can still alter the page:
 * those after which the product matches the page's filters and either did not match them
 * before (it enters: a price moving into `min_price`/`max_price`, stock crossing 0 under
 * `in_stock=true`) or, under `sort=price`, changed price (it may move into the page's
 * range). A product that leaves the filters or stays out of them, or whose stock changes
 * without crossing a filter, cannot alter a page it is not on. The category of a product
 * does not change here; `q` is not tested (the name does not change, so it matches
 * before and after alike, and treating it as matching only invalidates more).
 */
export function changeReaches(query: ListProductsQuery): ChangeTest {
  const min = query.minPrice === null ? null : cents(query.minPrice);
  const max = query.maxPrice === null ? null : cents(query.maxPrice);
  const categories = query.categories.length === 0 ? null : new Set(query.categories.map(folded));
  const matches = (state: ProductState): boolean => {
    const price = cents(state.price);
    return (
      (min === null || price >= min) &&
      (max === null || price <= max) &&
      (!query.inStock || state.stock > 0)
    );
  };
  return (change) => {
    if (categories !== null && !categories.has(folded(change.category))) {
      return false;
    }
    if (!matches(change.after)) {
      return false;
    }
    if (!matches(change.before)) {
      return true;
    }
    return query.sort === 'price' && cents(change.before.price) !== cents(change.after.price);
  };
}

function cents(price: string): number {
  return Math.round(Number(price) * 100);
}

/** Categories compare as the column's case- and accent-insensitive collation does. */
function folded(value: string): string {
  return value.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trimEnd();
}
