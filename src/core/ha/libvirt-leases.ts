// libvirt's sanlock lock manager (`ha.vmLeases: libvirt`): the `<lease>` a domain carries so
// that its own qemu process holds its HA lease, and what /etc/libvirt/qemu.conf and
// qemu-sanlock.conf must say for libvirt to take it. Rendering and checking only.

/** One `<lease>` element: sanlock lockspace, resource name (key), lease file and offset. */
export interface DomainLease {
  lockspace: string;
  key: string;
  path: string;
  offset: number;
}

/** What qemu.conf must set (the stock file has `#lock_manager = "lockd"`). */
export const QEMU_CONF_LOCK_MANAGER = 'lock_manager = "sanlock"';

/**
 * qemu-sanlock.conf, the same on every member. auto_disk_leases off: the agent names every lease
 * in the domain XML and joins the lockspace itself (so no host_id here). require_lease_for_disks
 * off: with auto leases off libvirt would otherwise refuse every VM without a `<lease>`.
 */
export function qemuSanlockConf(): string {
  return [
    '# hvagent (ha.vmLeases: libvirt): the agent joins the pool lockspace and puts one <lease>',
    '# per HA VM in its domain XML; libvirt makes the qemu process the lease holder.',
    'auto_disk_leases = 0',
    'require_lease_for_disks = 0',
    '',
  ].join('\n');
}

/** `key = value` lines of a libvirt config file, comments dropped, quotes removed. */
export function parseLibvirtConf(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m) out.set(m[1], m[2].trim().replace(/^"(.*)"$/, '$1'));
  }
  return out;
}

/** Why libvirt would not hold HA leases with these files (empty: it would). */
export function libvirtSanlockProblems(qemuConf: string | undefined, sanlockConf: string | undefined): string[] {
  const problems: string[] = [];
  const q = parseLibvirtConf(qemuConf ?? '');
  if (q.get('lock_manager') !== 'sanlock') problems.push(`qemu.conf: ${QEMU_CONF_LOCK_MANAGER} is not set (lock_manager is ${q.get('lock_manager') ?? 'unset: nop'})`);
  if (sanlockConf === undefined) {
    problems.push('qemu-sanlock.conf is missing (install the libvirt sanlock plugin: Debian libvirt-sanlock, RHEL libvirt-lock-sanlock)');
    return problems;
  }
  const s = parseLibvirtConf(sanlockConf);
  if ((s.get('auto_disk_leases') ?? '0') !== '0') problems.push('qemu-sanlock.conf: auto_disk_leases must be 0 (the agent names the leases)');
  // with auto leases off this defaults to 1, and every VM without a <lease> is refused
  if (s.get('require_lease_for_disks') !== '0') problems.push('qemu-sanlock.conf: require_lease_for_disks must be 0 (VMs without HA have no lease)');
  return problems;
}
