// IPv4 helpers for the network model: dotted netmask <-> prefix, validation, network address,
// and the Oracle VM network id (the network address in hex, e.g. c0a80100).

export function isIpv4(s: string): boolean {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(s);
  return !!m && m.slice(1).every((p) => Number(p) <= 255 && String(Number(p)) === p);
}

export function ipToInt(ip: string): number {
  return ip.split('.').reduce((acc, p) => ((acc << 8) | Number(p)) >>> 0, 0);
}

export function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join('.');
}

/** Prefix length of a dotted netmask, or undefined when it is not a contiguous mask. */
export function netmaskToPrefix(mask: string): number | undefined {
  if (!isIpv4(mask)) return undefined;
  const n = ipToInt(mask);
  const inv = ~n >>> 0;
  if ((inv & (inv + 1)) !== 0) return undefined;
  let bits = 0;
  for (let v = n; v & 0x80000000; v = (v << 1) >>> 0) bits++;
  return bits;
}

export function prefixToNetmask(prefix: number): string {
  return intToIp(prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0);
}

export function networkAddress(ip: string, prefix: number): string {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return intToIp((ipToInt(ip) & mask) >>> 0);
}

export function broadcastAddress(ip: string, prefix: number): string {
  const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
  return intToIp(((ipToInt(ip) & mask) | (~mask >>> 0)) >>> 0);
}

/** The Oracle VM network id: the network address as 8 hex digits (192.168.1.0/24 -> c0a80100). */
export function networkIdHex(ip: string, prefix: number): string {
  return ipToInt(networkAddress(ip, prefix)).toString(16).padStart(8, '0');
}

export function sameSubnet(a: string, b: string, prefix: number): boolean {
  return networkAddress(a, prefix) === networkAddress(b, prefix);
}
