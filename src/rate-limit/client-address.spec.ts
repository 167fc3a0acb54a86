import { clientAddress } from './client-address';

describe('clientAddress', () => {
  it('keeps IPv4 addresses, also IPv4-mapped ones', () => {
    expect(clientAddress('203.0.113.7', 56)).toBe('203.0.113.7');
    expect(clientAddress('::ffff:203.0.113.7', 56)).toBe('203.0.113.7');
    expect(clientAddress('::FFFF:cb00:7107', 56)).toBe('203.0.113.7');
  });

  it('groups IPv6 addresses by their /56 network', () => {
    const a = clientAddress('2001:db8:aa:bb12::1', 56);
    expect(a).toBe('2001:db8:aa:bb00::/56');
    expect(clientAddress('2001:0DB8:00AA:BBFF:1:2:3:4', 56)).toBe(a);
    expect(clientAddress('2001:db8:aa:bc00::1', 56)).not.toBe(a);
    expect(clientAddress('fe80::1%eth0', 56)).toBe('fe80:0:0:0::/56');
    expect(clientAddress('::1', 56)).toBe('0:0:0:0::/56');
    expect(clientAddress('2001:db8::203.0.113.7', 64)).toBe('2001:db8:0:0::/64');
  });

  it('returns anything else unchanged', () => {
    expect(clientAddress('not-an-ip', 56)).toBe('not-an-ip');
    expect(clientAddress('', 56)).toBe('');
  });
});
