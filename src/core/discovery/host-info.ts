// The typed facts discovery reports about a host (server, hardware, LUNs, mounts): zod
// schemas describe them so services, translators and tests agree on one shape.
import { z } from 'zod';

export const membershipState = z.enum(['Unowned', 'Owned', 'Pooled']);

export const serverInfoSchema = z.object({
  uniqueId: z.string().min(1),
  /** Epoch seconds. */
  bootTime: z.number().int().nonnegative(),
  dateTime: z.object({ timeZone: z.string(), utc: z.boolean() }),
  ntp: z.object({ localTimeSource: z.boolean(), running: z.boolean() }),
  agentVersion: z.string(),
  rpmVersion: z.string(),
  ovmVersion: z.string(),
  cpuType: z.string(),
  os: z.object({ type: z.string(), name: z.string(), majorVersion: z.string(), minorVersion: z.string() }),
  hypervisor: z.object({ type: z.string(), name: z.string() }),
  kernel: z.object({ release: z.string(), version: z.string() }),
  vmm: z.object({
    version: z.object({ major: z.string(), minor: z.string(), extra: z.string() }),
    /** How the hypervisor was built (Xen: /sys/hypervisor/compilation; KVM: /proc/version). */
    compile: z
      .object({ compiler: z.string(), by: z.string(), domain: z.string(), date: z.string() })
      .default({ compiler: '', by: '', domain: '', date: '' }),
    capabilities: z.string(),
  }),
  /** The stock agent's Manager_Core_API_Version: the OVM version, dotted (3.2.1-516 → 3.2.1.516). */
  managerCoreApiVersion: z.string().default(''),
  /** Empty when not in a pool. */
  poolUniqueId: z.string(),
  /** `none` when unowned. */
  managerUniqueId: z.string(),
  hostname: z.string(),
  registeredIp: z.string(),
  /** Empty when not in a pool. */
  nodeNumber: z.union([z.number().int(), z.literal('')]),
  /** Comma-separated, e.g. `xen,utility`. */
  serverRoles: z.string(),
  isCurrentMaster: z.boolean(),
  masterVirtualIp: z.string(),
  membershipState,
  clusterState: z.string(),
  statisticInterval: z.number().int().nonnegative(),
  /** NFS exports of this host (our reading: paths; usually none). */
  exports: z.array(z.string()),
  /** Rendered in insertion order; each `True`/`False` or a number. */
  capabilities: z.record(z.string(), z.union([z.boolean(), z.number()])),
});
export type ServerInfo = z.infer<typeof serverInfoSchema>;

export const cpuSchema = z.object({
  id: z.number().int().nonnegative(),
  vendorId: z.string(),
  family: z.string(),
  model: z.string(),
  modelName: z.string(),
  stepping: z.string(),
  /** MHz as the kernel prints it. */
  clockMhz: z.string(),
  cacheSize: z.string(),
  physicalId: z.string(),
  coreId: z.string(),
  siblings: z.string(),
  cores: z.string(),
  /** This CPU's feature flags, space-separated as /proc/cpuinfo prints them. */
  flags: z.string().default(''),
});
export type CpuEntry = z.infer<typeof cpuSchema>;

export const hardwareInfoSchema = z.object({
  physical: z.object({
    threadsPerCore: z.number().int().positive(),
    coresPerSocket: z.number().int().positive(),
    socketsPerNode: z.number().int().positive(),
    nodes: z.number().int().positive(),
    cpuKHz: z.number().int().nonnegative(),
    /** 4096-byte pages. */
    totalPages: z.number().int().nonnegative(),
    freePages: z.number().int().nonnegative(),
    hwCaps: z.array(z.string()),
  }),
  cpus: z.array(cpuSchema),
  scsiHosts: z.array(z.object({ num: z.number().int().nonnegative(), procName: z.string() })),
  iscsiInitiatorName: z.string(),
  dmtf: z.object({
    smbiosVersion: z.string(),
    board: z.object({ manufacturer: z.string(), productName: z.string(), serialNumber: z.string() }),
    bios: z.object({ vendor: z.string(), version: z.string(), releaseDate: z.string() }),
    system: z.object({ manufacturer: z.string(), productName: z.string(), serialNumber: z.string(), uuid: z.string() }),
    chassis: z.object({ manufacturer: z.string(), type: z.string(), serialNumber: z.string(), assetTag: z.string() }),
  }),
});
export type HardwareInfo = z.infer<typeof hardwareInfoSchema>;

export const lunSchema = z.object({
  /** Kernel name, e.g. `sdb`, `dm-3`. */
  name: z.string(),
  device: z.string(),
  sizeBytes: z.number().int().nonnegative(),
  vendor: z.string(),
  model: z.string(),
  serial: z.string(),
  wwid: z.string(),
  removable: z.boolean(),
  readOnly: z.boolean(),
  rotational: z.boolean(),
});
export type Lun = z.infer<typeof lunSchema>;

export const mountEntrySchema = z.object({
  device: z.string(),
  dir: z.string(),
  type: z.string(),
  options: z.string(),
});
export type MountEntry = z.infer<typeof mountEntrySchema>;
