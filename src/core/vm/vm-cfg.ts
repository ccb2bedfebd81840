// The typed view of a vm.cfg (keys of wire-api 3.8), its device-string parsers (vif, disk, vfb)
// and the VM rules of the user's guide (names, VNIC limits). Syntax lives in vm-cfg-syntax.ts.
import { z } from 'zod';
import { fail } from '../errors.js';
import type { CfgValue, VmCfgDoc } from './vm-cfg-syntax.js';
import { vmCfgToObject } from './vm-cfg-syntax.js';

export * from './vm-cfg-syntax.js';

export const VM_NAME_RE = /^[A-Za-z0-9_-]{1,200}$/;
export const DOMAIN_TYPES = ['xen_pvm', 'hvm', 'xen_pvhvm'] as const;
export type DomainType = (typeof DOMAIN_TYPES)[number];
/** The user's guide: 8 VNICs for hardware-virtualized guests, 31 for paravirtualized ones. */
export const MAX_VNICS: Record<DomainType, number> = { hvm: 8, xen_pvhvm: 8, xen_pvm: 31 };
export const LIFECYCLE_ACTIONS = ['destroy', 'restart', 'preserve', 'rename-restart', 'coredump-destroy', 'coredump-restart'] as const;

const int = z.number().int();
const strList = z.array(z.string());
const pyBool = z.union([z.boolean(), z.enum(['True', 'False', 'true', 'false', '1', '0']), z.literal(0), z.literal(1)]);

export const vmCfgSchema = z.looseObject({
  name: z.string().regex(VM_NAME_RE, "VM name: letters, digits, '_' and '-', 1 to 200 characters"),
  uuid: z.string().regex(/^[0-9a-fA-F]{8}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{4}-?[0-9a-fA-F]{12}$/, 'uuid: 32 hex digits, dashed or not'),
  OVM_simple_name: z.string().max(200).optional(),
  OVM_description: z.string().optional(),
  OVM_high_availability: pyBool.optional(),
  OVM_domain_type: z.enum(DOMAIN_TYPES).optional(),
  OVM_cpu_compat_group: z.string().optional(),
  OVM_os_type: z.string().optional(),
  guest_os_type: z.string().optional(),
  builder: z.string().optional(),
  memory: int.min(1),
  maxmem: int.min(1).optional(),
  vcpus: int.min(1).max(4096).optional(),
  /** 0 = as many as vcpus (CloudStack always sends 0). */
  maxvcpus: int.min(0).max(4096).optional(),
  cpu_weight: int.min(1).max(65535).optional(),
  cpu_cap: int.min(0).optional(),
  on_poweroff: z.enum(LIFECYCLE_ACTIONS).optional(),
  on_reboot: z.enum(LIFECYCLE_ACTIONS).optional(),
  on_crash: z.enum(LIFECYCLE_ACTIONS).optional(),
  bootloader: z.string().optional(),
  kernel: z.string().optional(),
  ramdisk: z.string().optional(),
  extra: z.string().optional(),
  boot: z.string().optional(),
  vif: strList.optional(),
  disk: strList.optional(),
  vfb: strList.optional(),
});

export type VmCfg = z.output<typeof vmCfgSchema>;

export interface Vif {
  mac?: string;
  bridge?: string;
  type?: string;
  model?: string;
  /** Options we do not interpret, kept in order. */
  other: Array<[string, string]>;
}

export interface Disk {
  /** 'file', 'phy', 'tap:aio', ... (the part before the last ':' of the uname). */
  kind: string;
  path: string;
  dev: string;
  cdrom: boolean;
  mode: 'r' | 'w' | 'w!';
}

export interface Vfb {
  type: string;
  vncunused?: boolean;
  vnclisten?: string;
  vncdisplay?: number;
  keymap?: string;
  other: Array<[string, string]>;
}

function pairs(s: string): Array<[string, string]> {
  return s
    .split(',')
    .map((p) => p.trim())
    .filter(Boolean)
    .map((p) => {
      const i = p.indexOf('=');
      return (i < 0 ? [p, ''] : [p.slice(0, i).trim(), p.slice(i + 1).trim()]) as [string, string];
    });
}

const MAC_RE = /^[0-9a-fA-F]{2}(:[0-9a-fA-F]{2}){5}$/;

export function textToVif(s: string): Vif {
  const v: Vif = { other: [] };
  for (const [k, val] of pairs(s)) {
    if (k === 'mac') {
      if (!MAC_RE.test(val)) throw fail('VM_BAD_CONFIG', `vif ${JSON.stringify(s)}: bad MAC address`);
      v.mac = val.toLowerCase();
    } else if (k === 'bridge') v.bridge = val;
    else if (k === 'type') v.type = val;
    else if (k === 'model') v.model = val;
    else v.other.push([k, val]);
  }
  return v;
}

export function vifToText(v: Vif): string {
  const parts: string[] = [];
  if (v.type) parts.push(`type=${v.type}`);
  if (v.mac) parts.push(`mac=${v.mac}`);
  if (v.bridge) parts.push(`bridge=${v.bridge}`);
  if (v.model) parts.push(`model=${v.model}`);
  for (const [k, val] of v.other) parts.push(val ? `${k}=${val}` : k);
  return parts.join(',');
}

export function textToDisk(s: string): Disk {
  const parts = s.split(',').map((p) => p.trim());
  if (parts.length !== 3) throw fail('VM_BAD_CONFIG', `disk ${JSON.stringify(s)}: expected 'uname,dev,mode'`);
  const [uname, devSpec, mode] = parts;
  const colon = uname.lastIndexOf(':');
  if (colon <= 0) throw fail('VM_BAD_CONFIG', `disk ${JSON.stringify(s)}: uname needs a prefix like file: or phy:`);
  const kind = uname.slice(0, colon);
  const path = uname.slice(colon + 1);
  if (!path.startsWith('/')) throw fail('VM_BAD_CONFIG', `disk ${JSON.stringify(s)}: path must be absolute`);
  const cdrom = devSpec.endsWith(':cdrom');
  const dev = cdrom ? devSpec.slice(0, -':cdrom'.length) : devSpec.replace(/^ioemu:/, '');
  if (!/^(xvd|hd|sd|vd)[a-z]{1,3}$/.test(dev)) throw fail('VM_BAD_CONFIG', `disk ${JSON.stringify(s)}: bad device name ${dev}`);
  if (mode !== 'r' && mode !== 'w' && mode !== 'w!') throw fail('VM_BAD_CONFIG', `disk ${JSON.stringify(s)}: mode must be r, w or w!`);
  return { kind, path, dev, cdrom, mode };
}

export function diskToText(d: Disk): string {
  return `${d.kind}:${d.path},${d.dev}${d.cdrom ? ':cdrom' : ''},${d.mode}`;
}

export function textToVfb(s: string): Vfb {
  const v: Vfb = { type: 'vnc', other: [] };
  for (const [k, val] of pairs(s)) {
    if (k === 'type') v.type = val;
    else if (k === 'vncunused') v.vncunused = val === '1' || val.toLowerCase() === 'true';
    else if (k === 'vnclisten') v.vnclisten = val;
    else if (k === 'vncdisplay' && /^\d+$/.test(val)) v.vncdisplay = parseInt(val, 10);
    else if (k === 'keymap') v.keymap = val;
    else v.other.push([k, val]);
  }
  return v;
}

export function vfbToText(v: Vfb): string {
  const parts = [`type=${v.type}`];
  if (v.vncunused !== undefined) parts.push(`vncunused=${v.vncunused ? 1 : 0}`);
  if (v.vncdisplay !== undefined) parts.push(`vncdisplay=${v.vncdisplay}`);
  if (v.vnclisten) parts.push(`vnclisten=${v.vnclisten}`);
  if (v.keymap) parts.push(`keymap=${v.keymap}`);
  for (const [k, val] of v.other) parts.push(val ? `${k}=${val}` : k);
  return parts.join(',');
}

export function cfgBool(v: unknown): boolean {
  return v === true || v === 1 || v === 'True' || v === 'true' || v === '1';
}

/** The VM as the agent uses it: validated keys plus parsed devices. */
export interface VmModel {
  cfg: VmCfg;
  domainType: DomainType;
  vifs: Vif[];
  disks: Disk[];
  vfbs: Vfb[];
  ha: boolean;
}

function zodMessage(e: z.ZodError): string {
  return e.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ');
}

/** Validates a document against the VM rules; every problem is VM_* fault with a clear message. */
export function vmCfgToModel(doc: VmCfgDoc | Record<string, CfgValue>): VmModel {
  const obj = 'entries' in doc && Array.isArray(doc.entries) ? vmCfgToObject(doc as VmCfgDoc) : (doc as Record<string, CfgValue>);
  if (typeof obj.name === 'string' && !VM_NAME_RE.test(obj.name)) {
    throw fail('VM_INVALID', `invalid VM name ${JSON.stringify(obj.name.slice(0, 60))}: letters, digits, '_' and '-', 1 to 200 characters`);
  }
  if (obj.OVM_domain_type !== undefined && !DOMAIN_TYPES.includes(obj.OVM_domain_type as DomainType)) {
    throw fail('VM_UNSUPPORTED_DOMAIN_TYPE', `OVM_domain_type ${JSON.stringify(obj.OVM_domain_type)} is not one of ${DOMAIN_TYPES.join(', ')}`);
  }
  const r = vmCfgSchema.safeParse(obj);
  if (!r.success) throw fail('VM_BAD_CONFIG', `invalid vm.cfg: ${zodMessage(r.error)}`);
  const cfg = r.data;
  const domainType: DomainType = cfg.OVM_domain_type ?? (cfg.builder === 'hvm' ? 'hvm' : 'xen_pvm');
  const vifs = (cfg.vif ?? []).map(textToVif);
  const disks = (cfg.disk ?? []).map(textToDisk);
  const vfbs = (cfg.vfb ?? []).map(textToVfb);
  if (vifs.length > MAX_VNICS[domainType]) {
    throw fail('VM_TOO_MANY_VNICS', `a ${domainType} guest may have at most ${MAX_VNICS[domainType]} VNICs, this one has ${vifs.length}`);
  }
  const devs = new Set<string>();
  for (const d of disks) {
    if (devs.has(d.dev)) throw fail('VM_BAD_CONFIG', `disk device ${d.dev} is used twice`);
    devs.add(d.dev);
  }
  const macs = new Set<string>();
  for (const v of vifs) {
    if (v.mac && macs.has(v.mac)) throw fail('VM_BAD_CONFIG', `MAC address ${v.mac} is used twice`);
    if (v.mac) macs.add(v.mac);
  }
  if (cfg.maxmem !== undefined && cfg.maxmem < cfg.memory) throw fail('VM_BAD_CONFIG', `maxmem (${cfg.maxmem}) is below memory (${cfg.memory})`);
  if (cfg.maxvcpus !== undefined && cfg.maxvcpus > 0 && cfg.vcpus !== undefined && cfg.maxvcpus < cfg.vcpus) {
    throw fail('VM_BAD_CONFIG', `maxvcpus (${cfg.maxvcpus}) is below vcpus (${cfg.vcpus})`);
  }
  return { cfg, domainType, vifs, disks, vfbs, ha: cfgBool(cfg.OVM_high_availability) };
}

/** UUIDs compare without dashes and case. */
export function normUuid(u: string): string {
  return u.replace(/-/g, '').toLowerCase();
}

export function dashUuid(u: string): string {
  const h = normUuid(u);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const INT_KEYS = ['memory', 'maxmem', 'vcpus', 'maxvcpus', 'cpu_weight', 'cpu_cap'];

/** RPC structs may carry numbers as strings: make the known integer keys integers. */
export function normalizeCfgParams(params: Record<string, CfgValue>): Record<string, CfgValue> {
  const out: Record<string, CfgValue> = { ...params };
  for (const k of INT_KEYS) {
    const v = out[k];
    if (typeof v === 'string' && /^\d+$/.test(v.trim())) out[k] = parseInt(v, 10);
  }
  return out;
}
