// The desired/current host network model: ports, bonds, VLANs, bridges with their IP
// configuration, MTU and metadata, plus the logical networks (setup_networks) built on them.
import { z } from 'zod';

export const BOND_MODES = ['active-backup', '802.3ad', 'balance-alb'] as const;
export type BondMode = (typeof BOND_MODES)[number];
/** Oracle VM numbers for the supported modes. */
export const BOND_MODE_NUMBER: Record<BondMode, number> = { 'active-backup': 1, '802.3ad': 4, 'balance-alb': 6 };

export const ROLES = ['MANAGEMENT', 'CLUSTER_HEARTBEAT', 'LIVE_MIGRATE', 'VIRTUAL_MACHINE', 'STORAGE'] as const;
export type Role = (typeof ROLES)[number];

export const MTU_MIN = 1500;
export const MTU_MAX = 64000;
export const DEFAULT_MTU = 1500;
export const IFNAMSIZ_MAX = 15;

export const ipConfigSchema = z.discriminatedUnion('proto', [
  z.object({ proto: z.literal('none') }).strict(),
  z.object({ proto: z.literal('dhcp') }).strict(),
  z
    .object({
      proto: z.literal('static'),
      address: z.string(),
      prefix: z.number().int().min(0).max(32),
      gateway: z.string().optional(),
    })
    .strict(),
]);
export type IpConfig = z.infer<typeof ipConfigSchema>;

const common = {
  name: z.string(),
  mtu: z.number().int(),
  ip: ipConfigSchema,
  /** `<type>:<network-id>{<name>}:<ROLES>` as stored in meta-<if>. */
  meta: z.string().optional(),
  /** Extra live-only addresses (CIDR), e.g. the pool virtual IP; never written to files. */
  extraAddrs: z.array(z.string()).optional(),
};

export const portSchema = z.object({ ...common, kind: z.literal('port'), hwaddr: z.string().optional() }).strict();
export const bondSchema = z
  .object({
    ...common,
    kind: z.literal('bond'),
    /** Kernel mode name; only BOND_MODES may be configured, others are reported as found. */
    mode: z.string(),
    slaves: z.array(z.string()),
    miimon: z.number().int().min(0),
    updelay: z.number().int().min(0),
    downdelay: z.number().int().min(0),
    primary: z.string().optional(),
    lacpRate: z.enum(['slow', 'fast']).optional(),
    xmitHashPolicy: z.string().optional(),
  })
  .strict();
export const vlanSchema = z
  .object({ ...common, kind: z.literal('vlan'), parent: z.string(), id: z.number().int() })
  .strict();
export const bridgeSchema = z
  .object({ ...common, kind: z.literal('bridge'), ports: z.array(z.string()), mac: z.string().optional() })
  .strict();

export const ifaceSchema = z.discriminatedUnion('kind', [portSchema, bondSchema, vlanSchema, bridgeSchema]);
export type Port = z.infer<typeof portSchema>;
export type Bond = z.infer<typeof bondSchema>;
export type Vlan = z.infer<typeof vlanSchema>;
export type Bridge = z.infer<typeof bridgeSchema>;
export type Iface = z.infer<typeof ifaceSchema>;
export type IfaceKind = Iface['kind'];

export const networkDefSchema = z
  .object({
    /** The device carrying the network's IP and roles: the bridge, else the VLAN, else the base. */
    device: z.string(),
    /** The NIC or bond underneath. */
    base: z.string(),
    vlan: z.number().int().optional(),
    bridged: z.boolean(),
    roles: z.array(z.enum(ROLES)),
  })
  .strict();
export type NetworkDef = z.infer<typeof networkDefSchema>;

export const netModelSchema = z
  .object({
    ifaces: z.record(z.string(), ifaceSchema),
    networks: z.record(z.string(), networkDefSchema).default({}),
  })
  .strict();
export type NetModel = z.infer<typeof netModelSchema>;

export function emptyModel(): NetModel {
  return { ifaces: {}, networks: {} };
}

export function cloneModel(m: NetModel): NetModel {
  return structuredClone(m);
}

/** Depth for ordering: ports below bonds below VLANs below bridges. */
export const KIND_DEPTH: Record<IfaceKind, number> = { port: 0, bond: 1, vlan: 2, bridge: 3 };

/** The bond or bridge a device is enslaved to in this model. */
export function masterOf(m: NetModel, name: string): { kind: 'bond' | 'bridge'; name: string } | undefined {
  for (const i of Object.values(m.ifaces)) {
    if (i.kind === 'bond' && i.slaves.includes(name)) return { kind: 'bond', name: i.name };
    if (i.kind === 'bridge' && i.ports.includes(name)) return { kind: 'bridge', name: i.name };
  }
  return undefined;
}

const masterCache = new WeakMap<NetModel['ifaces'], Map<string, { kind: 'bond' | 'bridge'; name: string }>>();

/**
 * masterOf through an index built once per model: for planners and renderers, which never
 * mutate the models they read (mutations use masterOf, which always scans).
 */
export function masterLookup(m: NetModel, name: string): { kind: 'bond' | 'bridge'; name: string } | undefined {
  let idx = masterCache.get(m.ifaces);
  if (!idx) {
    idx = new Map();
    for (const i of Object.values(m.ifaces)) {
      if (i.kind === 'bond') for (const s of i.slaves) if (!idx.has(s)) idx.set(s, { kind: 'bond', name: i.name });
      if (i.kind === 'bridge') for (const p of i.ports) if (!idx.has(p)) idx.set(p, { kind: 'bridge', name: i.name });
    }
    masterCache.set(m.ifaces, idx);
  }
  return idx.get(name);
}

/** Devices that sit directly on top of `name` (VLANs on it, its master). */
export function usersOf(m: NetModel, name: string): string[] {
  const out: string[] = [];
  for (const i of Object.values(m.ifaces)) {
    if (i.kind === 'vlan' && i.parent === name) out.push(i.name);
    if (i.kind === 'bond' && i.slaves.includes(name)) out.push(i.name);
    if (i.kind === 'bridge' && i.ports.includes(name)) out.push(i.name);
  }
  return out.sort();
}

/** Interface names sorted bottom-up (ports, bonds, VLANs, bridges), then by name. */
export function bottomUp(names: Iterable<string>, kindOf: (n: string) => IfaceKind): string[] {
  return [...names].sort((a, b) => KIND_DEPTH[kindOf(a)] - KIND_DEPTH[kindOf(b)] || a.localeCompare(b));
}

export function ipCidr(ip: IpConfig): string | undefined {
  return ip.proto === 'static' ? `${ip.address}/${ip.prefix}` : undefined;
}
