// Parsing RHEL network-scripts files (ifcfg-*, including hand-written ones with quotes,
// comments and alias files like ifcfg-vlan100:1) into the network model.
import { netmaskToPrefix } from './ip-util.js';
import { metaFileToData } from './metadata.js';
import { DEFAULT_MTU, type Iface, type IpConfig, type NetModel } from './model.js';
import { bondingOptsToFields } from './bond-options.js';

/** Shell-style KEY=value lines: comments, blank lines, `export`, single/double quotes. */
export function parseShellVars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (!line || line.startsWith('#')) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    out[m[1]] = unquote(m[2]);
  }
  return out;
}

function unquote(v: string): string {
  let out = '';
  let i = 0;
  while (i < v.length) {
    const c = v[i];
    if (c === '"') {
      const end = v.indexOf('"', i + 1);
      out += v.slice(i + 1, end < 0 ? v.length : end).replace(/\\(["\\$`])/g, '$1');
      i = end < 0 ? v.length : end + 1;
    } else if (c === "'") {
      const end = v.indexOf("'", i + 1);
      out += v.slice(i + 1, end < 0 ? v.length : end);
      i = end < 0 ? v.length : end + 1;
    } else if (c === '#' && (i === 0 || /\s/.test(v[i - 1]))) {
      break;
    } else if (/\s/.test(c)) {
      break; // an unquoted value ends at whitespace
    } else {
      out += c;
      i++;
    }
  }
  return out;
}

export interface IfcfgEntry {
  device: string;
  vars: Record<string, string>;
}

/** Device name of an ifcfg file: DEVICE=, else the file name after `ifcfg-`. */
export function ifcfgDevice(fileName: string, vars: Record<string, string>): string {
  return vars.DEVICE || fileName.replace(/^ifcfg-/, '');
}

function ipFromVars(v: Record<string, string>): IpConfig {
  const proto = (v.BOOTPROTO ?? 'none').toLowerCase();
  if (proto === 'dhcp' || proto === 'bootp') return { proto: 'dhcp' };
  const addr = v.IPADDR ?? v.IPADDR0;
  if (addr) {
    const prefix = v.PREFIX ? Number(v.PREFIX) : v.NETMASK ? netmaskToPrefix(v.NETMASK) : undefined;
    const ip: IpConfig = { proto: 'static', address: addr, prefix: prefix ?? 24 };
    const gw = v.GATEWAY ?? v.GATEWAY0;
    if (gw) ip.gateway = gw;
    return ip;
  }
  return { proto: 'none' };
}

/**
 * Builds a model from the files of a network-scripts directory (file name -> text). Alias files
 * (`ifcfg-<dev>:<n>`) put their address on the base device (or beside it as an extra address);
 * meta-<if> files give the metadata.
 */
export function ifcfgToModel(files: Record<string, string>): NetModel {
  const model: NetModel = { ifaces: {}, networks: {} };
  const aliases: IfcfgEntry[] = [];
  const masters: Array<[string, string, 'bond' | 'bridge']> = [];
  for (const [file, text] of Object.entries(files).sort(([a], [b]) => a.localeCompare(b))) {
    if (!file.startsWith('ifcfg-') || file === 'ifcfg-lo' || /\.(bak|orig|rpmnew|rpmsave)$|~$/.test(file)) continue;
    const vars = parseShellVars(text);
    const device = ifcfgDevice(file, vars);
    if (device.includes(':')) {
      aliases.push({ device, vars });
      continue;
    }
    const iface = varsToIface(device, vars);
    model.ifaces[device] = iface;
    if (vars.MASTER && /^yes$/i.test(vars.SLAVE ?? 'yes')) masters.push([device, vars.MASTER, 'bond']);
    if (vars.BRIDGE) masters.push([device, vars.BRIDGE, 'bridge']);
  }
  for (const [dev, master, kind] of masters) {
    const m = model.ifaces[master];
    if (kind === 'bond' && m?.kind === 'bond' && !m.slaves.includes(dev)) m.slaves.push(dev);
    if (kind === 'bridge' && m?.kind === 'bridge' && !m.ports.includes(dev)) m.ports.push(dev);
  }
  for (const a of aliases) {
    const base = model.ifaces[a.device.split(':')[0]];
    const ip = ipFromVars(a.vars);
    if (!base || ip.proto !== 'static') continue;
    if (base.ip.proto === 'none') base.ip = ip;
    else (base.extraAddrs ??= []).push(`${ip.address}/${ip.prefix}`);
  }
  for (const [file, text] of Object.entries(files)) {
    const m = /^meta-(.+)$/.exec(file);
    if (!m || !model.ifaces[m[1]]) continue;
    const data = metaFileToData(text);
    if (data) model.ifaces[m[1]].meta = data;
  }
  for (const i of Object.values(model.ifaces)) {
    if (i.kind === 'bond') i.slaves.sort();
    if (i.kind === 'bridge') i.ports.sort();
  }
  return model;
}

export function varsToIface(device: string, v: Record<string, string>): Iface {
  const common = { name: device, mtu: v.MTU ? Number(v.MTU) : DEFAULT_MTU, ip: ipFromVars(v) };
  const type = (v.TYPE ?? '').toLowerCase();
  if (type === 'bridge') {
    const br: Iface = { ...common, kind: 'bridge', ports: [] };
    if (v.MACADDR) br.mac = v.MACADDR.toLowerCase();
    return br;
  }
  if (v.BONDING_OPTS !== undefined || type === 'bond' || /^bond\d+$/.test(device) && !device.includes('.')) {
    return { ...common, kind: 'bond', slaves: [], ...bondingOptsToFields(v.BONDING_OPTS ?? '') };
  }
  const vm = /^(.+)\.(\d+)$/.exec(device);
  if (/^yes$/i.test(v.VLAN ?? '') || type === 'vlan' || vm) {
    const parent = v.PHYSDEV ?? vm?.[1] ?? device;
    const id = v.VLAN_ID ? Number(v.VLAN_ID) : Number(vm?.[2] ?? 0);
    return { ...common, kind: 'vlan', parent, id };
  }
  const port: Iface = { ...common, kind: 'port' };
  if (v.HWADDR && /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/i.test(v.HWADDR)) port.hwaddr = v.HWADDR.toLowerCase();
  return port;
}
