// Debian ifupdown2 renderer: one stanza file per device under /etc/network/interfaces.d/,
// from the same model as the ifcfg renderer. Metadata goes to /etc/hvagent/network-meta/
// because interfaces.d is sourced as configuration.
import { fieldsToBondingOpts } from './bond-options.js';
import { DEFAULT_MTU, masterLookup, type Iface, type NetModel } from './model.js';
import { metaFileText } from './metadata.js';
import { IFCFG_HEADER } from './ifcfg-render.js';

export const IFUPDOWN_DIR = '/etc/network/interfaces.d';
export const IFUPDOWN_META_DIR = '/etc/hvagent/network-meta';

/** File name for a device: dots become dashes, since some `source-directory` setups skip dotted names. */
export function ifupdownFileName(dev: string): string {
  return dev.replace(/[.:]/g, '-');
}

export function ifaceToIfupdown(i: Iface, m: NetModel): string {
  const method = i.ip.proto === 'dhcp' ? 'dhcp' : i.ip.proto === 'static' ? 'static' : 'manual';
  const out: string[] = [IFCFG_HEADER.trimEnd(), `auto ${i.name}`, `iface ${i.name} inet ${method}`];
  const opt = (k: string, v: string | number | undefined) => {
    if (v !== undefined && v !== '') out.push(`    ${k} ${v}`);
  };
  if (i.ip.proto === 'static') {
    opt('address', `${i.ip.address}/${i.ip.prefix}`);
    opt('gateway', i.ip.gateway);
  }
  switch (i.kind) {
    case 'bond': {
      const opts = fieldsToBondingOpts(i).split(' ').map((kv) => kv.split('='));
      opt('bond-slaves', i.slaves.length ? i.slaves.join(' ') : 'none');
      for (const [k, v] of opts) opt(`bond-${k.replace(/_/g, '-')}`, k === 'mode' ? i.mode : v);
      break;
    }
    case 'vlan':
      opt('vlan-raw-device', i.parent);
      opt('vlan-id', i.id);
      break;
    case 'bridge':
      opt('bridge-ports', i.ports.length ? i.ports.join(' ') : 'none');
      opt('bridge-stp', 'off');
      opt('bridge-fd', 0);
      opt('hwaddress', i.mac);
      break;
  }
  if (i.mtu !== DEFAULT_MTU) opt('mtu', i.mtu);
  const master = masterLookup(m, i.name);
  if (master?.kind === 'bond') out.push(`    # slave of ${master.name}`);
  return out.join('\n') + '\n';
}

export function ifupdownFilesFor(m: NetModel, name: string): Record<string, string> {
  const i = m.ifaces[name];
  if (!i) return {};
  const out: Record<string, string> = { [`${IFUPDOWN_DIR}/${ifupdownFileName(name)}`]: ifaceToIfupdown(i, m) };
  if (i.meta) out[`${IFUPDOWN_META_DIR}/meta-${name}`] = IFCFG_HEADER + metaFileText(i.meta);
  return out;
}

export function ifupdownPathsFor(name: string): string[] {
  return [`${IFUPDOWN_DIR}/${ifupdownFileName(name)}`, `${IFUPDOWN_META_DIR}/meta-${name}`];
}
