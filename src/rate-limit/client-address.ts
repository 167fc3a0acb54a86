import { isIPv4, isIPv6 } from 'node:net';

/**
 * The address a client is counted by: an IPv4 address as is (also when it arrives
 * IPv4-mapped, `::ffff:a.b.c.d`), an IPv6 address reduced to its network of
 * `ipv6PrefixBits` (`2001:db8:aa:bb00::/56`), since one subscriber usually owns the whole
 * prefix. Anything that is not an IP address is returned unchanged.
 */
export function clientAddress(ip: string, ipv6PrefixBits: number): string {
  if (isIPv4(ip)) {
    return ip;
  }
  const zone = ip.indexOf('%');
  const bare = zone === -1 ? ip : ip.slice(0, zone);
  if (!isIPv6(bare)) {
    return ip;
  }
  const hextets = expandIpv6(bare);
  if (hextets.slice(0, 5).every((h) => h === 0) && hextets[5] === 0xffff) {
    return [hextets[6] >> 8, hextets[6] & 0xff, hextets[7] >> 8, hextets[7] & 0xff].join('.');
  }
  const groups = Math.ceil(ipv6PrefixBits / 16);
  const network = hextets.slice(0, groups).map((hextet, index) => {
    const keep = Math.min(16, ipv6PrefixBits - index * 16);
    return (hextet & ((0xffff << (16 - keep)) & 0xffff)).toString(16);
  });
  return `${network.join(':')}::/${ipv6PrefixBits}`;
}

/** A valid IPv6 address (as `isIPv6` accepts it) → its eight 16-bit groups. */
function expandIpv6(address: string): number[] {
  let text = address;
  const lastColon = text.lastIndexOf(':');
  const tail = text.slice(lastColon + 1);
  if (tail.includes('.')) {
    const [a, b, c, d] = tail.split('.').map(Number);
    text = `${text.slice(0, lastColon + 1)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const gap = text.indexOf('::');
  const head = gap === -1 ? text : text.slice(0, gap);
  const rest = gap === -1 ? '' : text.slice(gap + 2);
  const left = head ? head.split(':') : [];
  const right = rest ? rest.split(':') : [];
  const zeros = gap === -1 ? [] : new Array<string>(8 - left.length - right.length).fill('0');
  return [...left, ...zeros, ...right].map((group) => parseInt(group, 16));
}
