import { RouteMethods } from './route-methods';

describe(RouteMethods.name, () => {
  const routes = new RouteMethods();
  routes.add(['GET', 'HEAD'], '/products/:id');
  routes.add('PATCH', '/products/:id');
  routes.add('GET', '/products');
  routes.add('GET', '/docs/*');

  it('lists every method registered for a matching path', () => {
    expect(routes.allowed('/products/42')).toEqual(['GET', 'HEAD', 'PATCH']);
    expect(routes.allowed('/docs/swagger-ui.css')).toEqual(['GET']);
  });

  it('matches nothing for unknown paths or extra segments', () => {
    expect(routes.allowed('/products/42/reviews')).toEqual([]);
    expect(routes.allowed('/products/')).toEqual([]);
    expect(routes.allowed('/nothing')).toEqual([]);
  });
});
