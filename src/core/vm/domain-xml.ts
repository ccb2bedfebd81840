// vm.cfg ⇄ libvirt domain XML: Xen (xen_pvm with pygrub, xen_pvhvm, hvm), KVM/QEMU (hvm with
// virtio) and the test driver. vm.cfg keys libvirt has no element for ride along in <metadata>.
import { XMLParser } from 'fast-xml-parser';
import { fail } from '../errors.js';
import { el, xmlToText, type XmlNode } from './xml-writer.js';
import type { DomainLease } from '../ha/libvirt-leases.js';

export type { DomainLease };
import {
  cfgValueToText,
  dashUuid,
  diskToText,
  textToVmCfg,
  vfbToText,
  vifToText,
  vmCfgToModel,
  vmCfgToObject,
  type CfgValue,
  type Disk,
  type VmCfgDoc,
  type VmModel,
} from './vm-cfg.js';

export type HypervisorKind = 'xen' | 'kvm' | 'test';

export interface DomainXmlOptions {
  hypervisor: HypervisorKind;
  /** KVM: path of the QEMU binary (libvirt picks one when absent). */
  emulator?: string;
  /** KVM: 'tcg' makes a `<domain type='qemu'>` (no hardware virtualization). */
  accel?: 'kvm' | 'tcg';
  /** HA VM under libvirt's sanlock lock manager: its qemu process holds these leases. */
  leases?: readonly DomainLease[];
}

export const HVAGENT_NS = 'https://hvagent.dev/xmlns/vm-cfg/1';

/** Keys with a native element; everything else is kept in the metadata. */
const NATIVE_KEYS = new Set([
  'name', 'uuid', 'OVM_simple_name', 'OVM_description', 'memory', 'maxmem', 'vcpus', 'maxvcpus', 'cpu_weight',
  'on_poweroff', 'on_reboot', 'on_crash', 'bootloader', 'kernel', 'ramdisk', 'extra', 'vif', 'disk', 'vfb', 'boot',
]);

const BOOT_DEVS: Record<string, string> = { c: 'hd', d: 'cdrom', n: 'network', a: 'fd' };

export function hypervisorKindOfUri(uri: string): HypervisorKind {
  if (uri.startsWith('test:')) return 'test';
  if (uri.startsWith('xen') || uri.startsWith('libxl')) return 'xen';
  return 'kvm';
}

function busOf(dev: string, cdrom: boolean): string {
  if (dev.startsWith('xvd')) return 'xen';
  if (dev.startsWith('hd')) return 'ide';
  if (dev.startsWith('sd')) return cdrom ? 'sata' : 'scsi';
  return 'virtio';
}

function diskNode(d: Disk, kind: HypervisorKind, target: { dev: string; bus: string }): XmlNode {
  const block = d.kind === 'phy';
  return el(
    'disk',
    { type: block ? 'block' : 'file', device: d.cdrom ? 'cdrom' : 'disk' },
    kind === 'kvm' ? el('driver', { name: 'qemu', type: 'raw', cache: d.mode === 'w!' ? 'none' : undefined }) : undefined,
    el('source', block ? { dev: d.path } : { file: d.path }),
    el('target', target),
    d.mode === 'r' ? el('readonly') : undefined,
    d.mode === 'w!' ? el('shareable') : undefined,
  );
}

/** KVM names: writable disks become virtio vdX in order; CD-ROMs stay on IDE (machine 'pc'). */
function kvmTargets(disks: Disk[]): Array<{ dev: string; bus: string }> {
  let n = 0;
  return disks.map((d) => {
    if (d.cdrom) return { dev: d.dev.startsWith('hd') ? d.dev : `hd${String.fromCharCode(99 + n)}`, bus: 'ide' };
    return { dev: `vd${String.fromCharCode(97 + n++)}`, bus: 'virtio' };
  });
}

function metadataNode(obj: Record<string, CfgValue>, notEmitted: Set<string>): XmlNode | undefined {
  const keys = Object.keys(obj).filter((k) => !NATIVE_KEYS.has(k) || notEmitted.has(k));
  if (keys.length === 0) return undefined;
  return el(
    'metadata',
    undefined,
    el('hvagent:cfg', { 'xmlns:hvagent': HVAGENT_NS }, ...keys.map((k) => el('hvagent:key', { name: k }, cfgValueToText(obj[k])))),
  );
}

/** The libvirt domain XML for one vm.cfg on the given hypervisor. */
export function vmCfgToDomainXml(input: VmCfgDoc | VmModel, opts: DomainXmlOptions): string {
  const m: VmModel = 'entries' in input ? vmCfgToModel(input) : input;
  const obj = 'entries' in input ? vmCfgToObject(input) : (m.cfg as Record<string, CfgValue>);
  const c = m.cfg;
  const kind = opts.hypervisor;
  if (kind === 'kvm' && m.domainType === 'xen_pvm') {
    throw fail('VM_UNSUPPORTED_DOMAIN_TYPE', `VM ${c.name}: a paravirtualized Xen guest (xen_pvm) cannot run on a KVM host; use hvm`);
  }
  const pv = m.domainType === 'xen_pvm';
  const maxmem = Math.max(c.maxmem ?? c.memory, c.memory);
  const vcpus = c.vcpus ?? 1;
  const maxv = Math.max(c.maxvcpus ?? vcpus, vcpus);
  const domType = kind === 'test' ? 'test' : kind === 'xen' ? 'xen' : opts.accel === 'tcg' ? 'qemu' : 'kvm';
  const arch = kind === 'test' ? 'i686' : 'x86_64';
  const bootOrder = [...(c.boot ?? 'c')].map((b) => BOOT_DEVS[b]).filter(Boolean);
  const osType = pv ? (kind === 'xen' ? el('type', { arch, machine: 'xenpv' }, 'linux') : el('type', { arch }, 'xen'))
    : el('type', { arch, machine: kind === 'xen' ? 'xenfv' : kind === 'kvm' ? 'pc' : undefined }, 'hvm');
  const os = el(
    'os',
    undefined,
    osType,
    !pv && kind === 'xen' ? el('loader', { type: 'rom' }, '/usr/lib/xen/boot/hvmloader') : undefined,
    c.kernel ? el('kernel', undefined, c.kernel) : undefined,
    c.ramdisk ? el('initrd', undefined, c.ramdisk) : undefined,
    c.extra && (c.kernel || pv) ? el('cmdline', undefined, c.extra) : undefined,
    ...(!pv && !c.kernel ? bootOrder.map((dev) => el('boot', { dev })) : []),
  );
  const notEmitted = new Set<string>();
  if (!(c.extra && (c.kernel || pv))) notEmitted.add('extra');
  if (!(pv && kind === 'xen' && c.bootloader)) notEmitted.add('bootloader');
  if (pv || c.kernel) notEmitted.add('boot');
  const targets = kind === 'kvm' ? kvmTargets(m.disks) : m.disks.map((d) => ({ dev: d.dev, bus: busOf(d.dev, d.cdrom) }));
  const vifs = m.vifs.map((v) =>
    el(
      'interface',
      { type: 'bridge' },
      v.mac ? el('mac', { address: v.mac }) : undefined,
      el('source', { bridge: v.bridge ?? (kind === 'xen' ? 'xenbr0' : 'virbr0') }),
      kind === 'kvm' ? el('model', { type: 'virtio' }) : v.model ? el('model', { type: v.model }) : undefined,
    ),
  );
  const graphics = m.vfbs
    .filter((f) => f.type === 'vnc')
    .map((f) =>
      el('graphics', {
        type: 'vnc',
        port: f.vncdisplay !== undefined && !f.vncunused ? 5900 + f.vncdisplay : -1,
        autoport: f.vncdisplay !== undefined && !f.vncunused ? 'no' : 'yes',
        listen: f.vnclisten,
        keymap: f.keymap,
      }),
    );
  const domain = el(
    'domain',
    { type: domType },
    el('name', undefined, c.name),
    el('uuid', undefined, dashUuid(c.uuid)),
    c.OVM_simple_name ? el('title', undefined, c.OVM_simple_name) : undefined,
    c.OVM_description ? el('description', undefined, c.OVM_description) : undefined,
    metadataNode(obj, notEmitted),
    el('memory', { unit: 'KiB' }, maxmem * 1024),
    el('currentMemory', { unit: 'KiB' }, c.memory * 1024),
    el('vcpu', { placement: 'static', current: maxv > vcpus ? vcpus : undefined }, maxv),
    c.cpu_weight !== undefined ? el('cputune', undefined, el('shares', undefined, c.cpu_weight)) : undefined,
    pv && kind === 'xen' && c.bootloader ? el('bootloader', undefined, c.bootloader) : undefined,
    os,
    !pv && kind !== 'test' ? el('features', undefined, el('acpi'), el('apic'), kind === 'xen' ? el('pae') : undefined) : undefined,
    el('clock', { offset: 'utc' }),
    el('on_poweroff', undefined, c.on_poweroff ?? 'destroy'),
    el('on_reboot', undefined, c.on_reboot ?? 'restart'),
    el('on_crash', undefined, c.on_crash ?? 'destroy'),
    el(
      'devices',
      undefined,
      kind === 'kvm' && opts.emulator ? el('emulator', undefined, opts.emulator) : undefined,
      ...m.disks.map((d, i) => diskNode(d, kind, targets[i])),
      ...(opts.leases ?? []).map((l) => el('lease', undefined, el('lockspace', undefined, l.lockspace), el('key', undefined, l.key), el('target', { path: l.path, offset: l.offset }))),
      ...vifs,
      kind !== 'test' ? el('console', { type: 'pty' }, el('target', { type: pv || kind === 'xen' ? 'xen' : 'serial', port: 0 })) : undefined,
      kind === 'kvm' ? el('input', { type: 'tablet', bus: 'usb' }) : undefined,
      ...graphics,
      kind === 'kvm' ? el('memballoon', { model: 'virtio' }) : undefined,
    ),
  );
  return xmlToText(domain);
}

type XmlObj = Record<string, unknown>;

const parser = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: true,
  isArray: (name) => ['disk', 'interface', 'graphics', 'boot', 'hvagent:key'].includes(name),
});

function text(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v === 'object') {
    const t = (v as XmlObj)['#text'];
    return t === undefined ? '' : String(t);
  }
  return String(v);
}

function kib(v: unknown): number | undefined {
  const t = text(v);
  if (t === undefined || t === '') return undefined;
  const unit = typeof v === 'object' ? String((v as XmlObj)['@_unit'] ?? 'KiB') : 'KiB';
  const mult: Record<string, number> = { b: 1 / 1024, bytes: 1 / 1024, KiB: 1, k: 1, MiB: 1024, M: 1024, GiB: 1024 * 1024, G: 1024 * 1024 };
  return Math.round(Number(t) * (mult[unit] ?? 1));
}

function arr(v: unknown): XmlObj[] {
  return Array.isArray(v) ? (v as XmlObj[]) : v ? [v as XmlObj] : [];
}

/** A vm.cfg struct from a domain XML (ours or libvirt's live one). */
export function domainXmlToVmCfg(xml: string): Record<string, CfgValue> {
  let root: XmlObj;
  try {
    root = parser.parse(xml) as XmlObj;
  } catch (e) {
    throw fail('VM_HYPERVISOR_FAILED', `unreadable domain XML: ${(e as Error).message}`);
  }
  const d = root.domain as XmlObj | undefined;
  if (!d) throw fail('VM_HYPERVISOR_FAILED', 'domain XML has no <domain> element');
  const domType = String(d['@_type'] ?? '');
  const kvm = domType === 'kvm' || domType === 'qemu';
  const out: Record<string, CfgValue> = {};
  const meta: Record<string, CfgValue> = {};
  const md = (d.metadata as XmlObj | undefined)?.['hvagent:cfg'] as XmlObj | undefined;
  for (const k of arr(md?.['hvagent:key'])) {
    const name = String(k['@_name']);
    const doc = textToVmCfg(`${name} = ${text(k) ?? 'None'}\n`);
    meta[name] = vmCfgToObject(doc)[name];
  }
  out.name = text(d.name) ?? '';
  out.uuid = text(d.uuid) ?? '';
  if (d.title !== undefined) out.OVM_simple_name = text(d.title) ?? '';
  if (d.description !== undefined) out.OVM_description = text(d.description) ?? '';
  const os = (d.os ?? {}) as XmlObj;
  const osType = text(os.type);
  const pv = osType === 'linux' || osType === 'xen';
  if (!('OVM_domain_type' in meta)) out.OVM_domain_type = pv ? 'xen_pvm' : 'hvm';
  const cur = kib(d.currentMemory);
  const max = kib(d.memory);
  out.memory = Math.round((cur ?? max ?? 0) / 1024);
  if (max !== undefined) out.maxmem = Math.round(max / 1024);
  const vcpu = d.vcpu;
  const maxv = Number(text(vcpu) ?? 1);
  const curv = typeof vcpu === 'object' && (vcpu as XmlObj)['@_current'] !== undefined ? Number((vcpu as XmlObj)['@_current']) : maxv;
  out.vcpus = curv;
  out.maxvcpus = maxv;
  const shares = text((d.cputune as XmlObj | undefined)?.shares);
  if (shares) out.cpu_weight = Number(shares);
  for (const k of ['on_poweroff', 'on_reboot', 'on_crash']) if (d[k] !== undefined) out[k] = text(d[k]) ?? '';
  if (d.bootloader !== undefined) out.bootloader = text(d.bootloader) ?? '';
  if (os.kernel !== undefined) out.kernel = text(os.kernel) ?? '';
  if (os.initrd !== undefined) out.ramdisk = text(os.initrd) ?? '';
  if (os.cmdline !== undefined) out.extra = text(os.cmdline) ?? '';
  const boots = arr(os.boot).map((b) => Object.entries(BOOT_DEVS).find(([, v]) => v === b['@_dev'])?.[0]).filter(Boolean);
  if (boots.length && boots.join('') !== 'c') out.boot = boots.join('');
  const dev = (d.devices ?? {}) as XmlObj;
  const vifs = arr(dev.interface).map((i) =>
    vifToText({
      mac: (i.mac as XmlObj | undefined)?.['@_address'] as string | undefined,
      bridge: ((i.source as XmlObj | undefined)?.['@_bridge'] ?? (i.source as XmlObj | undefined)?.['@_network']) as string | undefined,
      model: kvm ? undefined : ((i.model as XmlObj | undefined)?.['@_type'] as string | undefined),
      other: [],
    }),
  );
  if (vifs.length) out.vif = vifs;
  const disks = arr(dev.disk).map((x) => {
    const src = (x.source ?? {}) as XmlObj;
    const target = String((x.target as XmlObj | undefined)?.['@_dev'] ?? '');
    const cdrom = x['@_device'] === 'cdrom';
    return diskToText({
      kind: x['@_type'] === 'block' ? 'phy' : 'file',
      path: String(src['@_file'] ?? src['@_dev'] ?? ''),
      dev: kvm && target.startsWith('vd') ? `x${target}` : target,
      cdrom,
      mode: x.readonly !== undefined || cdrom ? 'r' : x.shareable !== undefined ? 'w!' : 'w',
    });
  });
  if (disks.length) out.disk = disks;
  const vfbs = arr(dev.graphics)
    .filter((g) => g['@_type'] === 'vnc')
    .map((g) => {
      const auto = g['@_autoport'] !== 'no';
      const port = Number(g['@_port'] ?? -1);
      return vfbToText({
        type: 'vnc',
        vncunused: auto,
        vncdisplay: !auto && port >= 5900 ? port - 5900 : undefined,
        vnclisten: g['@_listen'] as string | undefined,
        keymap: g['@_keymap'] as string | undefined,
        other: [],
      });
    });
  if (vfbs.length) out.vfb = vfbs;
  return { ...out, ...meta };
}

/** The VNC port of a running domain (libvirt fills `port` in the live XML), if any. */
export function domainXmlVncPort(xml: string): number | undefined {
  const d = (parser.parse(xml) as XmlObj).domain as XmlObj | undefined;
  const g = arr((d?.devices as XmlObj | undefined)?.graphics).find((x) => x['@_type'] === 'vnc');
  const port = g ? Number(g['@_port']) : NaN;
  return Number.isFinite(port) && port > 0 ? port : undefined;
}
