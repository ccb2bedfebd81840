// The push URLs of take_ownership go to the owner manager only: an IP-literal host must be the
// caller; a host name is resolved once, here, and pinned to the caller's address (pushes never
// look it up again, so a later DNS answer cannot send them elsewhere). A name that resolves
// only to loopback (CloudStack's placeholder http://localhost:10024) is kept but never pushed to.
import { isIP } from 'node:net';
import { AgentError } from '../../core/errors.js';
import { truncateText } from '../../core/redact.js';
import type { ResolveHost } from '../../host/resolve-host.js';

export interface PushUrl {
  /** How the fault names it: `argument 1 (manager_event_url)`. */
  arg: string;
  url: string | undefined;
  /** The struct member it sets (manager_event_url...). */
  field?: string;
}

/** Host name → pinned address ('' = a loopback placeholder, never pushed to). */
export type PushPins = Record<string, string>;

const isLoopback = (a: string) => a === '::1' || /^127\./.test(a);

/** The host of an http(s) URL (no brackets, lower case); INVALID_ARGUMENT otherwise. */
export function pushUrlHost(arg: string, url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new AgentError('INVALID_ARGUMENT', `take_ownership: ${arg}: expected an http(s) URL; got ${JSON.stringify(truncateText(url, 40))}`);
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new AgentError('INVALID_ARGUMENT', `take_ownership: ${arg}: expected an http(s) URL, got ${u.protocol}`);
  return u.hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
}

/** Checks every URL against the caller and resolves each host name once; all or nothing. */
export async function pinPushUrls(urls: readonly PushUrl[], caller: string, resolve: ResolveHost): Promise<PushPins> {
  // Host names are the caller's text: keys of a null-prototype object only.
  const pins = Object.create(null) as PushPins;
  for (const { arg, url } of urls) {
    if (url === undefined || url === '') continue;
    const host = pushUrlHost(arg, url);
    if (isIP(host)) {
      if (host !== caller) throw new AgentError('INVALID_ARGUMENT', `take_ownership: ${arg}: host ${host} is not the manager's address ${caller}`);
      continue;
    }
    if (host in pins) continue;
    let addrs: string[];
    try {
      addrs = await resolve(host);
    } catch (e) {
      throw new AgentError('INVALID_ARGUMENT', `take_ownership: ${arg}: host name ${truncateText(host, 64)} does not resolve (${truncateText((e as Error).message, 80)})`);
    }
    if (addrs.includes(caller)) pins[host] = caller;
    else if (addrs.length > 0 && addrs.every(isLoopback)) pins[host] = '';
    else {
      const shown = addrs.slice(0, 4).join(', ') + (addrs.length > 4 ? ', ...' : '');
      throw new AgentError('INVALID_ARGUMENT', `take_ownership: ${arg}: host name ${truncateText(host, 64)} resolves to ${shown || 'nothing'}, not the manager's address ${caller}`);
    }
  }
  return pins;
}
