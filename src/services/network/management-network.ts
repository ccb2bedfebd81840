// setup_management_network: builds the management network on the interface the manager's
// connection arrived on (NIC, bond or VLAN), inheriting its addressing, as oVirt's normalized
// management network does; compliant already -> no change; success -> safe config.
import { fail, isAgentError } from '../../core/errors.js';
import { networkIdHex, prefixToNetmask } from '../../core/net/ip-util.js';
import { ifaceOfAddress } from '../../core/net/manager-link.js';
import { ROLES, type Role } from '../../core/net/model.js';
import { setupNetworks, type BondAttrs, type NetworkAttrs } from '../../core/net/setup-networks.js';
import { NET_STATE_KEYS } from './deps.js';
import type { NetworkService } from './network-service.js';

export interface ManagementNetworkDef {
  name?: string;
  bridged?: boolean;
  vlan?: number;
  mtu?: number;
  roles?: string[];
}

export const MGMT_EVENTS = {
  invalidInterface: 'INVALID_INTERFACE_FOR_MANAGEMENT_NETWORK_CONFIGURATION',
  vlanMismatch: 'VLAN_ID_MISMATCH_FOR_MANAGEMENT_NETWORK_CONFIGURATION',
  setupFailed: 'SETUP_NETWORK_FAILED_FOR_MANAGEMENT_NETWORK_CONFIGURATION',
  persistFailed: 'PERSIST_NETWORK_FAILED_FOR_MANAGEMENT_NETWORK',
} as const;

const DEFAULT_ROLES: Role[] = ['MANAGEMENT', 'CLUSTER_HEARTBEAT', 'LIVE_MIGRATE'];

export async function setupManagementNetwork(svc: NetworkService, def: ManagementNetworkDef | null, localAddress?: string): Promise<null> {
  const { pipe, deps } = svc;
  const { events, log } = deps;
  const refuse = (code: string, errCode: 'NET_INVALID_MGMT_INTERFACE' | 'NET_MGMT_VLAN_MISMATCH', message: string, data: Record<string, unknown>) => {
    events.emit({ severity: 'error', object: 'network:management', code, message, data });
    return fail(errCode, message, data);
  };
  return pipe.locked(async () => {
    const state = await pipe.readCurrent();
    const cur = state.current;
    const ifaceName = (localAddress ? ifaceOfAddress(state.snap, localAddress) : undefined) ?? deps.hostState.get(NET_STATE_KEYS.lastClientIface);
    const iface = ifaceName ? cur.ifaces[ifaceName] : undefined;
    const useDefault = !def || !def.name;
    const ip = iface?.ip;
    const name = def?.name || (ip?.proto === 'static' ? networkIdHex(ip.address, ip.prefix) : undefined);
    if (!iface || !name) {
      throw refuse(MGMT_EVENTS.invalidInterface, 'NET_INVALID_MGMT_INTERFACE', `the manager's connection arrives on ${ifaceName ?? 'no known interface'}, which is none of NIC, bond or VLAN`, { iface: ifaceName ?? '' });
    }
    const bridged = def?.bridged ?? true;
    const existing = cur.networks[name];
    if (existing && existing.bridged === bridged && existing.vlan === def?.vlan && (def?.mtu === undefined || cur.ifaces[existing.device]?.mtu === def.mtu)) {
      log.info({ network: name }, 'management network already complies');
      return null;
    }
    let top = iface;
    if (iface.kind === 'bridge') {
      if (iface.name !== name || iface.ports.length !== 1) {
        throw refuse(MGMT_EVENTS.invalidInterface, 'NET_INVALID_MGMT_INTERFACE', `the manager's connection arrives on bridge ${iface.name}, not on a NIC, bond or VLAN`, { iface: iface.name });
      }
      top = cur.ifaces[iface.ports[0]];
    }
    const vlanId = top.kind === 'vlan' ? top.id : undefined;
    if (vlanId !== def?.vlan && !(useDefault && def?.vlan === undefined)) {
      throw refuse(MGMT_EVENTS.vlanMismatch, 'NET_MGMT_VLAN_MISMATCH', `the management network wants VLAN ${def?.vlan ?? 'none'} but ${top.name} is ${vlanId === undefined ? 'untagged' : `VLAN ${vlanId}`}`, { iface: top.name, vlan: vlanId ?? null, wanted: def?.vlan ?? null });
    }
    const base = top.kind === 'vlan' ? cur.ifaces[top.parent] : top;
    if (!base || (base.kind !== 'port' && base.kind !== 'bond')) {
      throw refuse(MGMT_EVENTS.invalidInterface, 'NET_INVALID_MGMT_INTERFACE', `${top.name} is none of NIC, bond or VLAN on a NIC or bond`, { iface: top.name });
    }
    const bondings: Record<string, BondAttrs> = {};
    let baseName = base.name;
    let baseIsBond = base.kind === 'bond';
    // Oracle VM convention: the management port sits in bond0 (active-backup, one port)
    if (useDefault && base.kind === 'port' && top.kind !== 'vlan') {
      const bondName = cur.ifaces.bond0 ? undefined : 'bond0';
      if (bondName) {
        bondings[bondName] = { nics: [base.name], options: 'mode=1 miimon=100' };
        baseName = bondName;
        baseIsBond = true;
      }
    }
    const addr = iface.ip;
    const attrs: NetworkAttrs = {
      ...(baseIsBond ? { bonding: baseName } : { nic: baseName }),
      ...(vlanId !== undefined ? { vlan: vlanId } : {}),
      bridged,
      mtu: def?.mtu ?? top.mtu,
      roles: (def?.roles?.map((r) => r.toUpperCase()).filter((r) => (ROLES as readonly string[]).includes(r)) ?? DEFAULT_ROLES) as Role[],
      ...(addr.proto === 'dhcp' ? { bootproto: 'dhcp' as const } : {}),
      ...(addr.proto === 'static'
        ? { bootproto: 'static' as const, ipaddr: addr.address, netmask: prefixToNetmask(addr.prefix), ...(addr.gateway ? { gateway: addr.gateway } : {}) }
        : {}),
    };
    try {
      await pipe.change({ label: `setup_management_network ${name}`, localAddress }, (c) => ({ desired: setupNetworks(c, { [name]: attrs }, bondings) }));
    } catch (e) {
      events.emit({
        severity: 'error',
        object: 'network:management',
        code: MGMT_EVENTS.setupFailed,
        message: `the management network ${name} could not be set up on ${iface.name}: ${(e as Error).message.slice(0, 300)}`,
        data: { network: name, iface: iface.name, error: isAgentError(e) ? e.code : 'INTERNAL' },
      });
      throw e;
    }
    try {
      pipe.repo.promoteSafe();
    } catch (e) {
      events.emit({ severity: 'error', object: 'network:management', code: MGMT_EVENTS.persistFailed, message: `the management network ${name} is up but could not be made safe: ${(e as Error).message}`, data: { network: name } });
      throw fail('NET_COMMIT_FAILED', `management network ${name} configured but not persisted: ${(e as Error).message}`);
    }
    return null;
  });
}
