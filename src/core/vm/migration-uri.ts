// The libvirt URI a migrate_vm destination names: a host name or address becomes
// <driver>+tcp|tls://host/system; a full URI is accepted only for safe transports.
import { fail } from '../errors.js';
import type { HypervisorKind } from './domain-xml.js';

// No 'ext' transport (it runs a local command) and no query except a unix socket path.
const URI_RE = /^(qemu|xen)\+(tcp|tls|ssh|unix):\/\/[A-Za-z0-9.:_\[\]-]*\/(system|session)(\?socket=\/[A-Za-z0-9._\/-]+)?$/;
const HOST_RE = /^[A-Za-z0-9._-]+$|^\[?[0-9A-Fa-f:.]+\]?$/;

export function migrationDestToUri(dest: string, ssl: boolean, kind: HypervisorKind): string {
  if (dest.includes('://')) {
    if (!URI_RE.test(dest)) throw fail('INVALID_ARGUMENT', `migration destination URI ${JSON.stringify(dest.slice(0, 200))} is not an allowed libvirt transport (tcp, tls, ssh, unix)`);
    return dest;
  }
  if (!HOST_RE.test(dest)) throw fail('INVALID_ARGUMENT', `invalid migration destination ${JSON.stringify(dest.slice(0, 200))}`);
  const driver = kind === 'xen' ? 'xen' : 'qemu';
  const host = dest.includes(':') && !dest.startsWith('[') ? `[${dest}]` : dest;
  return `${driver}+${ssl ? 'tls' : 'tcp'}://${host}/system`;
}
