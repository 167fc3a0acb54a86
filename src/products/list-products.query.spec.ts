import { ValidationProblemError } from '../common/errors/app.error';
import { canonicalFilters, parseListProductsQuery } from './list-products.query';
import { likePrefix } from './products-page.sql';

describe('parseListProductsQuery', () => {
  it('applies the defaults', () => {
    expect(parseListProductsQuery({})).toEqual({
      limit: 20,
      cursor: null,
      sort: 'created_at',
      order: 'desc',
      categories: [],
      minPrice: null,
      maxPrice: null,
      inStock: false,
      q: null,
    });
  });

  it('normalises categories, prices and in_stock', () => {
    const query = parseListProductsQuery({
      category: 'veg,fruits,veg',
      min_price: '5',
      max_price: '7.5',
      in_stock: 'true',
    });
    expect(query).toMatchObject({
      categories: ['fruits', 'veg'],
      minPrice: '5.00',
      maxPrice: '7.50',
      inStock: true,
    });
    expect(canonicalFilters(query)).toBe(
      canonicalFilters(
        parseListProductsQuery({
          category: 'fruits,veg',
          min_price: '5.00',
          max_price: '7.50',
          in_stock: 'true',
        }),
      ),
    );
  });

  it.each([
    [{ limit: '0' }, 'limit'],
    [{ limit: '101' }, 'limit'],
    [{ limit: 'abc' }, 'limit'],
    [{ limit: '1.5' }, 'limit'],
    [{ limit: ['1', '2'] }, 'limit'],
    [{ sort: 'stock' }, 'sort'],
    [{ order: 'up' }, 'order'],
    [{ category: 'a,,b' }, 'category'],
    [{ category: Array(11).fill('c').join(',') }, 'category'],
    [{ category: 'x'.repeat(65) }, 'category'],
    [{ min_price: '-1' }, 'min_price'],
    [{ min_price: '1.234' }, 'min_price'],
    [{ max_price: 'ten' }, 'max_price'],
    [{ min_price: '10', max_price: '9.99' }, 'min_price'],
    [{ in_stock: 'yes' }, 'in_stock'],
    [{ q: '' }, 'q'],
    [{ q: 'x'.repeat(101) }, 'q'],
    [{ page: '2' }, 'page'],
  ])('rejects %j', (raw, field) => {
    let caught: unknown;
    try {
      parseListProductsQuery(raw);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ValidationProblemError);
    expect((caught as ValidationProblemError).errors.map((e) => e.field)).toContain(field);
  });
});

describe('likePrefix', () => {
  it('escapes LIKE wildcards and the escape character', () => {
    expect(likePrefix('50%_off!')).toBe('50!%!_off!!%');
  });
});
