// The list_vms / list_vm struct of one running domain, as the stock agent's `xm list` record:
// xm-style state letters, MiB, seconds, and the devices read back from libvirt's live XML.
import { domainXmlToVmCfg, domainXmlVncPort } from '../../core/vm/domain-xml.js';
import { textToDisk, textToVfb, textToVif } from '../../core/vm/vm-cfg.js';
import type { DomainInfo, DomainStateName, NodeInfo } from '../../host/libvirt/hypervisor.js';

/** xm's six state columns: r(unning) b(locked) p(aused) s(hutdown) c(rashed) d(ying). */
export function stateToXm(s: DomainStateName): string {
  switch (s) {
    case 'running':
      return 'r-----';
    case 'blocked':
      return '-b----';
    case 'paused':
    case 'pmsuspended':
      return '--p---';
    case 'shutdown':
      return '---s--';
    case 'crashed':
      return '----c-';
    default:
      return '------';
  }
}

export interface ListEntryExtra {
  repoId?: string;
  vmId?: string;
  startTime?: number;
}

export function domainToListEntry(d: DomainInfo, xml: string | undefined, extra: ListEntryExtra): Record<string, unknown> {
  const cfg = xml ? domainXmlToVmCfg(xml) : {};
  const vncPort = xml ? domainXmlVncPort(xml) : undefined;
  const strs = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);
  const entry: Record<string, unknown> = {
    name: d.name,
    domid: d.id ?? -1,
    uuid: d.uuid,
    state: stateToXm(d.state),
    memory: Math.round(d.memKiB / 1024),
    maxmem: Math.round(d.maxMemKiB / 1024),
    vcpus: typeof cfg.maxvcpus === 'number' ? cfg.maxvcpus : d.vcpus,
    online_vcpus: d.vcpus,
    cpu_time: d.cpuTimeNs / 1e9,
    start_time: extra.startTime ?? 0,
    on_poweroff: cfg.on_poweroff ?? 'destroy',
    on_reboot: cfg.on_reboot ?? 'restart',
    on_crash: cfg.on_crash ?? 'destroy',
    device: {
      vif: strs(cfg.vif).map((s) => {
        const v = textToVif(s);
        return { mac: v.mac ?? '', bridge: v.bridge ?? '' };
      }),
      vbd: strs(cfg.disk).map((s) => {
        const k = textToDisk(s);
        return { uname: `${k.kind}:${k.path}`, dev: k.cdrom ? `${k.dev}:cdrom` : k.dev, mode: k.mode };
      }),
      vfb: strs(cfg.vfb).map((s) => {
        const f = textToVfb(s);
        return { type: f.type, vnclisten: f.vnclisten ?? '', keymap: f.keymap ?? '', location: vncPort ? `${f.vnclisten ?? '0.0.0.0'}:${vncPort}` : '' };
      }),
    },
  };
  if (vncPort !== undefined) entry.vnc_port = vncPort;
  if (extra.repoId) entry.repo_id = extra.repoId;
  if (extra.vmId) entry.vm_id = extra.vmId;
  return entry;
}

/** KVM has no management domain in libvirt: present the host itself as Domain-0, like Xen does. */
export function managementDomainEntry(node: NodeInfo): Record<string, unknown> {
  return {
    name: 'Domain-0',
    domid: 0,
    uuid: '00000000-0000-0000-0000-000000000000',
    state: 'r-----',
    memory: Math.round(node.memoryKiB / 1024),
    maxmem: Math.round(node.memoryKiB / 1024),
    vcpus: node.cpus,
    online_vcpus: node.cpus,
    cpu_time: 0,
    start_time: 0,
    on_poweroff: 'destroy',
    on_reboot: 'restart',
    on_crash: 'restart',
    device: { vif: [], vbd: [], vfb: [] },
  };
}
