import { PartnerBadResponseError } from './external.errors';
import { parseJson, toPartnerItem, toPartnerWebhook, toPartnerWebhookList } from './partner-data';

const item = {
  id: 'MANGO-42',
  name: 'Alphonso Mango',
  price: '129.5',
  available_qty: 12,
  updated_at: '2026-11-22T10:15:30Z',
};

describe('partner data validation', () => {
  it('normalises a valid item and drops unknown fields', () => {
    expect(toPartnerItem({ ...item, internal: 'x' }, 'MANGO-42')).toEqual({
      id: 'MANGO-42',
      name: 'Alphonso Mango',
      price: '129.50',
      available_qty: 12,
      updated_at: '2026-11-22T10:15:30.000Z',
    });
    expect(toPartnerItem({ ...item, id: 7, price: 3 }, '7').price).toBe('3.00');
  });

  it.each([
    ['not an object', []],
    ['another id', { ...item, id: 'OTHER' }],
    ['a negative price', { ...item, price: '-1.00' }],
    ['three decimals', { ...item, price: '1.005' }],
    ['a fractional quantity', { ...item, available_qty: 1.5 }],
    ['a negative quantity', { ...item, available_qty: -1 }],
    ['an empty name', { ...item, name: '' }],
    ['a bad timestamp', { ...item, updated_at: 'yesterday' }],
  ])('rejects an item with %s', (_label, data) => {
    expect(() => toPartnerItem(data, 'MANGO-42')).toThrow(PartnerBadResponseError);
  });

  it('rejects bodies that are not JSON', () => {
    expect(() => parseJson('<html>')).toThrow(PartnerBadResponseError);
  });

  it('validates subscriptions, with or without a secret', () => {
    const hook = { id: 'sub_1', url: 'http://x/webhooks/partner', events: ['price.updated'] };
    expect(toPartnerWebhook({ ...hook, secret: 'whsec_abc' })).toEqual({
      ...hook,
      secret: 'whsec_abc',
    });
    expect(toPartnerWebhookList({ data: [hook] })).toEqual([hook]);
    expect(() => toPartnerWebhook({ ...hook, events: [1] })).toThrow(PartnerBadResponseError);
    expect(() => toPartnerWebhookList({ items: [] })).toThrow(PartnerBadResponseError);
  });
});
