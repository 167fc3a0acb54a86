import { eventTimeOf } from './partner-event';

const DELIVERED_S = 1_764_000_000;
const delivered = new Date(DELIVERED_S * 1000);
const at = (offsetS: number) => new Date((DELIVERED_S + offsetS) * 1000).toISOString();

describe('eventTimeOf', () => {
  it.each([
    ['5 minutes after the delivery', 300],
    ['7 days before it', -7 * 24 * 3600],
    ['just before it', -1],
  ])('trusts a payload time %s', (_label, offsetS) => {
    expect(eventTimeOf({ timestamp: at(offsetS) }, DELIVERED_S)).toEqual(
      new Date((DELIVERED_S + offsetS) * 1000),
    );
  });

  it.each([
    ['5 minutes and 1 s after the delivery', at(301)],
    ['7 days and 1 s before it', at(-7 * 24 * 3600 - 1)],
    ['in 9999', '9999-12-31T23:59:59.999Z'],
    ['in 1970', '1970-01-01T00:00:00.000Z'],
    ['not RFC 3339', 'yesterday'],
    ['not a string', 1_764_000_000],
  ])('orders by the delivery time when the payload time is %s', (_label, timestamp) => {
    expect(eventTimeOf({ timestamp }, DELIVERED_S)).toEqual(delivered);
  });

  it('orders by the delivery time without a payload time', () => {
    expect(eventTimeOf({}, DELIVERED_S)).toEqual(delivered);
  });
});
