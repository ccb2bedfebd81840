// The network methods of wire-api 3.3 (LinuxNetwork) plus hvagent's extensions: thin
// declarations over NetworkService; every change runs the service's transactional pipeline.
import { isIP } from 'node:net';
import { z } from 'zod';
import * as R from '../results.js';
import { defineMethod, type MethodDef } from '../method.js';
import { wireBool, wireInt } from '../wire-types.js';
import { bondingsArgSchema, networksArgSchema } from '../../core/net/setup-networks.js';
import { ifNameProblem } from '../../core/net/validate.js';
import type { NetworkService } from '../../services/network/network-service.js';

/** A device name: checked at the door, so no wire name ever becomes a key in the network model. */
const name = z.string().superRefine((v, ctx) => {
  const problem = ifNameProblem(v, 'device');
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});
const intLike = wireInt({ strings: true });
const boolLike = wireBool;
const LOCK = 'network';
/** A dotted IPv4 address (the virtual IP methods took any 7-15 characters before). */
const ipv4 = z.string().refine((s) => isIP(s) === 4, { message: 'expected an IPv4 address' });

const setupOptions = z
  .object({
    connectivityCheck: boolLike.optional(),
    connectivityTimeout: wireInt({ strings: true, min: 1, max: 3600, what: 'connectivityTimeout' }).optional(),
    commitOnSuccess: boolLike.optional(),
    dryRun: boolLike.optional(),
  })
  .strict();

const mgmtDef = z
  .object({
    name: z.string().max(50).optional(),
    bridged: boolLike.optional(),
    vlan: intLike.optional(),
    mtu: intLike.optional(),
    roles: z.union([z.array(z.string()), z.string().transform((s) => s.split(/[,;\s]+/).filter(Boolean))]).optional(),
  })
  .strict();

export function networkMethods(net: NetworkService): MethodDef[] {
  return [
    defineMethod({
      name: 'discover_network',
      result: R.xmlDoc,
      params: z.tuple([]),
      access: 'public',
      summary: 'XML Discover_Network_Result: devices, bonds, bridges and the stored config',
      handler: () => net.discoverNetwork(),
    }),
    defineMethod({
      name: 'get_network_capabilities',
      result: R.struct,
      params: z.tuple([]),
      access: 'public',
      summary: 'the network as a struct, with lastClientIface and netConfigDirty',
      handler: (_a, ctx) => net.getCapabilities(ctx.localAddress),
    }),
    defineMethod({
      name: 'ovs_bond_mode',
      result: R.nil,
      params: z.tuple([name, z.union([intLike, z.string()])]),
      access: 'owned',
      lock: LOCK,
      summary: 'set a bond mode: 1 active-backup, 4 802.3ad, 6 balance-alb',
      handler: async ([bond, mode], ctx) => void (await net.bondMode(bond, mode, ctx.localAddress)),
    }),
    defineMethod({
      name: 'ovs_bond_op',
      result: R.nil,
      params: z.tuple([z.enum(['add', 'remove']), name, name]),
      access: 'owned',
      lock: LOCK,
      summary: 'add or remove a port of a bond',
      handler: async ([action, bond, slave], ctx) => void (await net.bondOp(action, bond, slave, ctx.localAddress)),
    }),
    defineMethod({
      name: 'ovs_bond_config',
      result: R.nil,
      params: z.tuple([z.enum(['add', 'remove']), name]),
      access: 'owned',
      lock: LOCK,
      summary: 'create or delete a bond',
      handler: async ([action, bond], ctx) => void (await net.bondConfig(action, bond, ctx.localAddress)),
    }),
    defineMethod({
      name: 'ovs_change_mtu',
      result: R.nil,
      params: z.tuple([name, intLike]),
      access: 'owned',
      lock: LOCK,
      summary: 'MTU 1500-64000; bonds pass it to their ports, bridges to theirs',
      handler: async ([iface, mtu], ctx) => void (await net.changeMtu(iface, mtu, ctx.localAddress)),
    }),
    defineMethod({
      name: 'ovs_ip_config',
      result: R.nil,
      params: z.tuple([name, z.enum(['static', 'dynamic', 'flush']), z.string().optional().default(''), z.string().optional().default('')]),
      access: 'owned',
      lock: LOCK,
      summary: 'static (ip, dotted netmask), dynamic (DHCP) or flush',
      handler: async ([iface, optype, ip, netmask], ctx) => void (await net.ipConfig(iface, optype, ip, netmask, ctx.localAddress)),
    }),
    defineMethod({
      name: 'ovs_if_meta',
      result: R.nil,
      params: z.tuple([name, z.string().max(1024)]),
      access: 'owned',
      lock: LOCK,
      summary: 'store METADATA=<type>:<network-id>{<name>}:<ROLES> in meta-<if>; empty removes',
      handler: async ([iface, data], ctx) => void (await net.ifMeta(iface, data, ctx.localAddress)),
    }),
    defineMethod({
      name: 'ovs_local_config',
      result: R.orNil(R.text),
      params: z.tuple([z.enum(['start', 'stop']), name]),
      // Before ownership too: CloudStack makes its control bridge (configureNetworking) before
      // it takes ownership, and a port-less bridge cannot cut the manager off.
      access: 'setup',
      lock: LOCK,
      summary: 'port-less (intra-server) bridge',
      handler: ([action, bridge], ctx) => net.localConfig(action, bridge, ctx.localAddress),
    }),
    defineMethod({
      name: 'ovs_vlan_config',
      result: R.nil,
      params: z.tuple([z.enum(['add', 'remove']), name, intLike]),
      access: 'owned',
      lock: LOCK,
      summary: 'VLAN interface <parent>.<id>',
      handler: async ([action, iface, id], ctx) => void (await net.vlanConfig(action, iface, id, ctx.localAddress)),
    }),
    defineMethod({
      name: 'ovs_br_config',
      result: R.orNil(R.text),
      params: z.tuple([z.enum(['start', 'stop']), name, name]),
      access: 'owned',
      lock: LOCK,
      summary: "bridge over netdev, taking netdev's IP and MAC (stop: the reverse)",
      handler: ([action, bridge, netdev], ctx) => net.brConfig(action, bridge, netdev, ctx.localAddress),
    }),
    defineMethod({
      name: 'ovs_vlan_bridge',
      result: R.orNil(R.text),
      params: z.tuple([z.enum(['start', 'stop']), name, name, intLike]),
      access: 'owned',
      lock: LOCK,
      summary: 'VLAN on netdev plus a bridge on it (vlan 1 = untagged)',
      handler: ([action, bridge, netdev, vlan], ctx) => net.vlanBridge(action, bridge, netdev, vlan, ctx.localAddress),
    }),
    defineMethod({
      name: 'configure_virtual_ip',
      result: R.nil,
      params: z.tuple([ipv4, ipv4]),
      access: 'owned',
      lock: LOCK,
      summary: "the pool virtual IP beside base_ip's interface, with gratuitous ARP",
      handler: async ([vip, baseIp], ctx) => void (await net.configureVirtualIp(vip, baseIp, ctx.localAddress)),
    }),
    defineMethod({
      name: 'deconfigure_virtual_ip',
      result: R.nil,
      params: z.tuple([ipv4]),
      access: 'owned',
      lock: LOCK,
      summary: 'remove the pool virtual IP',
      handler: async ([vip], ctx) => void (await net.deconfigureVirtualIp(vip, ctx.localAddress)),
    }),
    defineMethod({
      name: 'setup_networks',
      result: R.orNil(R.struct),
      params: z.tuple([networksArgSchema, bondingsArgSchema, setupOptions.optional().default({})]),
      access: 'owned',
      lock: LOCK,
      summary: '(ext) transactional change of many networks and bonds; dryRun returns {operations, files}',
      handler: ([networks, bondings, options], ctx) => net.setupNetworks(networks, bondings, options, ctx.localAddress, ctx.remoteAddress),
    }),
    defineMethod({
      name: 'set_safe_network_config',
      result: R.nil,
      params: z.tuple([]),
      access: 'owned',
      lock: LOCK,
      summary: '(ext) promote the running network config to the safe config restored at boot',
      handler: async () => void (await net.setSafeNetworkConfig()),
    }),
    defineMethod({
      // no lock: it must get through while a setup_networks call holds 'network' waiting for it
      name: 'confirm_connectivity',
      result: R.nil,
      params: z.tuple([]),
      access: 'owned',
      summary: '(ext) the manager still reaches the host after a change',
      handler: (_args, ctx) => void net.confirmConnectivity(ctx.remoteAddress),
    }),
    defineMethod({
      name: 'setup_management_network',
      result: R.nil,
      params: z.tuple([z.union([mgmtDef, z.null()]).optional().default(null)]),
      access: 'owned',
      lock: LOCK,
      summary: '(ext) build the management network on lastClientIface from the data-center definition',
      handler: async ([def], ctx) => void (await net.setupManagementNetwork(def, ctx.localAddress)),
    }),
    defineMethod({
      name: 'get_network_restore_report',
      result: R.struct,
      params: z.tuple([]),
      access: 'owned',
      summary: '(ext) what the last boot-time restore did, entity by entity',
      handler: () => net.getRestoreReport(),
    }),
  ];
}
