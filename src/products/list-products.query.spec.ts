import { ValidationProblemError } from '../common/errors/app.error';
import { canonicalFilters } from './list-products.query';
import { parseListProductsQuery } from './list-products.query.parser';
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
      near: null,
      radiusKm: null,
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

describe('parseListProductsQuery: near', () => {
  it('parses near to its canonical point, defaulting to sort=distance asc', () => {
    const query = parseListProductsQuery({ near: '1.5,2', radius_km: '2.50' });
    expect(query).toMatchObject({
      near: { text: '1.500000,2.000000', lat: 1.5, lng: 2 },
      radiusKm: '2.500000',
      sort: 'distance',
      order: 'asc',
    });
    expect(canonicalFilters(query)).toBe(
      canonicalFilters(parseListProductsQuery({ near: '1.500000,2.000000', radius_km: '2.5' })),
    );
    expect(canonicalFilters(query)).not.toBe(
      canonicalFilters(parseListProductsQuery({ near: '1.500001,2', radius_km: '2.5' })),
    );
    expect(parseListProductsQuery({ near: '-0,-180' }).near?.text).toBe('0.000000,-180.000000');
    expect(parseListProductsQuery({ near: '1,2', sort: 'price' })).toMatchObject({
      sort: 'price',
      order: 'desc',
    });
  });

  it.each([
    [{ near: 'abc' }, 'near'],
    [{ near: '91,0' }, 'near'],
    [{ near: '0,180.000001' }, 'near'],
    [{ near: '1.1234567,2' }, 'near'],
    [{ near: '1,2,3' }, 'near'],
    [{ near: ' 1,2' }, 'near'],
    [{ radius_km: '5' }, 'radius_km'],
    [{ near: '1,2', radius_km: '0.09' }, 'radius_km'],
    [{ near: '1,2', radius_km: '100.000001' }, 'radius_km'],
    [{ near: '1,2', radius_km: '-5' }, 'radius_km'],
    [{ sort: 'distance' }, 'sort'],
    [{ near: '1,2', sort: 'distance', order: 'desc' }, 'order'],
    [{ near: '1,2', order: 'desc' }, 'order'],
  ])('rejects %j naming %s', (raw, field) => {
    try {
      parseListProductsQuery(raw);
      throw new Error('accepted');
    } catch (error) {
      expect(error).toBeInstanceOf(ValidationProblemError);
      const fields = JSON.stringify(error);
      expect(fields).toContain(`"field":"${field}"`);
    }
  });
});
