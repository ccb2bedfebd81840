// Resolves a host name to all its addresses, once, with a deadline: used when take_ownership
// pins the manager's push URLs (the name is never looked up again for a push).
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';

export type ResolveHost = (name: string) => Promise<string[]>;

/** Every address of `name` (IPv4-mapped IPv6 as IPv4); rejects when it does not resolve within timeoutMs. */
export function resolveHost(timeoutMs = 5_000): ResolveHost {
  return async (name) => {
    if (isIP(name)) return [name];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      const found = await Promise.race([lookup(name, { all: true, verbatim: true }), deadline]);
      return found.map((a) => a.address.replace(/^::ffff:(\d+\.\d+\.\d+\.\d+)$/, '$1'));
    } finally {
      clearTimeout(timer);
    }
  };
}
