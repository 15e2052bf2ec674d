/**
 * IPv4 arithmetic for lab addresses. Addresses are config values only: nothing
 * here sends a packet.
 */

/** Dotted quad → 32-bit number; undefined when not exactly four decimal octets without leading zeros. */
export function parseIPv4(text: string): number | undefined {
  // Leading zeros are rejected because some tools read 010 as octal (8).
  const m = /^(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})\.(0|[1-9]\d{0,2})$/.exec(text);
  if (!m) return undefined;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return undefined;
  return ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
}

export function formatIPv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  base: number;
  prefix: number;
  text: string;
}

/** "192.168.56.0/24" → base and prefix; undefined when malformed. */
export function parseCidr(text: string): Cidr | undefined {
  const m = /^([^/]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const base = parseIPv4(m[1]!);
  const prefix = Number(m[2]);
  if (base === undefined || prefix > 32) return undefined;
  return { base, prefix, text };
}

function mask(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** The network address of `ip` for `prefix` (host bits cleared). */
export function networkOf(ip: number, prefix: number): number {
  return (ip & mask(prefix)) >>> 0;
}

export function inCidr(ip: number, cidr: Cidr): boolean {
  return networkOf(ip, cidr.prefix) === networkOf(cidr.base, cidr.prefix);
}

/** A whole CIDR inside another (e.g. a /24 inside VirtualBox's /21). */
export function cidrInside(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && inCidr(inner.base, outer);
}

/** VirtualBox ≥ 6.1.28 only allows host-only addresses here unless /etc/vbox/networks.conf says otherwise. */
export const VIRTUALBOX_HOST_ONLY = parseCidr('192.168.56.0/21')!;

/** RFC 1918 private ranges: the only ones a stand-in network may use without shadowing real hosts. */
export const PRIVATE_RANGES = ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16'].map((c) => parseCidr(c)!);

export function isPrivate(ip: number): boolean {
  return PRIVATE_RANGES.some((range) => inCidr(ip, range));
}
