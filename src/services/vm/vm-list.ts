// The list_vms / list_vm struct of one running domain, as the stock agent's xend record: every
// value a string (real agents sent them so), xm-style state letters, MiB, seconds, and the
// devices read back from libvirt's live XML. Keys xend had and libvirt cannot fill are ''.
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

export type ListEntry = Record<string, string | Record<string, unknown> | unknown[]>;

const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));

interface Common {
  name: string;
  domid: number;
  uuid: string;
  state: string;
  memoryMiB: number;
  maxmemMiB: number;
  vcpus: number;
  onlineVcpus: number;
  cpuTime: number;
  startTime: number;
  builder: string;
  bootloader: string;
  onPoweroff: string;
  onReboot: string;
  onCrash: string;
  cpuWeight?: number;
  cpuCap?: number;
  /** Per vCPU, the physical CPUs it may run on ([] = any), as xend's `cpus`. */
  cpus: string[][];
  device: Record<string, unknown[]>;
}

/** The xend keys of a domain record, in xend's spelling. */
function record(c: Common): ListEntry {
  return {
    name: c.name,
    domid: str(c.domid),
    uuid: c.uuid,
    state: c.state,
    memory: str(c.memoryMiB),
    maxmem: str(c.maxmemMiB),
    vcpus: str(c.vcpus),
    online_vcpus: str(c.onlineVcpus),
    cpu_time: str(c.cpuTime),
    start_time: str(c.startTime),
    cpu_weight: str(c.cpuWeight ?? 256),
    cpu_cap: str(c.cpuCap ?? 0),
    on_poweroff: c.onPoweroff,
    on_reboot: c.onReboot,
    on_crash: c.onCrash,
    on_xend_start: 'ignore',
    on_xend_stop: 'ignore',
    builder: c.builder,
    bootloader: c.bootloader,
    bootloader_args: '',
    description: '',
    features: '',
    pool_name: 'Pool-0',
    shadow_memory: '0',
    status: '',
    store_mfn: '',
    console_mfn: '',
    image: { kernel: '', device_model: '', videoram: '', tsc_mode: '', superpages: '', nomigrate: '', expose_host_uuid: '', pci: [] },
    cpus: c.cpus,
    device: c.device,
  };
}

export function domainToListEntry(d: DomainInfo, xml: string | undefined, extra: ListEntryExtra): ListEntry {
  const cfg = xml ? domainXmlToVmCfg(xml) : {};
  const vncPort = xml ? domainXmlVncPort(xml) : undefined;
  const strs = (v: unknown) => (Array.isArray(v) ? (v as string[]) : []);
  const entry = record({
    name: d.name,
    domid: d.id ?? -1,
    uuid: d.uuid,
    state: stateToXm(d.state),
    memoryMiB: Math.round(d.memKiB / 1024),
    maxmemMiB: Math.round(d.maxMemKiB / 1024),
    vcpus: typeof cfg.maxvcpus === 'number' ? cfg.maxvcpus : d.vcpus,
    onlineVcpus: d.vcpus,
    cpuTime: d.cpuTimeNs / 1e9,
    startTime: extra.startTime ?? 0,
    builder: cfg.builder === 'hvm' || String(cfg.OVM_domain_type ?? '').includes('hvm') ? 'hvm' : 'linux',
    bootloader: str(cfg.bootloader),
    onPoweroff: str(cfg.on_poweroff ?? 'destroy'),
    onReboot: str(cfg.on_reboot ?? 'restart'),
    onCrash: str(cfg.on_crash ?? 'destroy'),
    cpuWeight: typeof cfg.cpu_weight === 'number' ? cfg.cpu_weight : undefined,
    cpuCap: typeof cfg.cpu_cap === 'number' ? cfg.cpu_cap : undefined,
    cpus: Array.from({ length: d.vcpus }, () => []),
    device: {
      vif: strs(cfg.vif).map((s) => {
        const v = textToVif(s);
        return { mac: v.mac ?? '', bridge: v.bridge ?? '', script: '/etc/xen/scripts/vif-bridge', uuid: '', backend: '0' };
      }),
      vbd: strs(cfg.disk).map((s) => {
        const k = textToDisk(s);
        const dev = k.cdrom ? `${k.dev}:cdrom` : `${k.dev}:disk`;
        return { uname: `${k.kind}:${k.path}`, dev, mode: k.mode, protocol: 'x86_64-abi', uuid: '', bootable: '0', VDI: '', backend: '0' };
      }),
      // vncpasswd is left out on purpose: secrets never leave the agent.
      vfb: strs(cfg.vfb).map((s) => {
        const f = textToVfb(s);
        const listen = f.vnclisten ?? '0.0.0.0';
        return { vnc: '1', vncunused: '1', vnclisten: listen, keymap: f.keymap ?? '', xauthority: '', uuid: '', location: vncPort ? `${listen}:${vncPort}` : '' };
      }),
      console: [{ protocol: 'vt100', location: '', uuid: '' }],
      vkbd: [{ backend: '0' }],
    },
  });
  // hvagent's own keys, also strings: the VNC port and where the VM's files live.
  if (vncPort !== undefined) entry.vnc_port = str(vncPort);
  if (extra.repoId) entry.repo_id = extra.repoId;
  if (extra.vmId) entry.vm_id = extra.vmId;
  return entry;
}

/** KVM has no management domain in libvirt: present the host itself as Domain-0, like Xen does. */
export function managementDomainEntry(node: NodeInfo): ListEntry {
  const mib = Math.round(node.memoryKiB / 1024);
  return record({
    name: 'Domain-0',
    domid: 0,
    uuid: '00000000-0000-0000-0000-000000000000',
    state: 'r-----',
    memoryMiB: mib,
    maxmemMiB: mib,
    vcpus: node.cpus,
    onlineVcpus: node.cpus,
    cpuTime: 0,
    startTime: 0,
    builder: 'linux',
    bootloader: '',
    onPoweroff: 'destroy',
    onReboot: 'restart',
    onCrash: 'restart',
    cpus: Array.from({ length: node.cpus }, () => Array.from({ length: node.cpus }, (_, i) => String(i))),
    device: { vif: [], vbd: [], vfb: [], console: [], vkbd: [] },
  });
}
