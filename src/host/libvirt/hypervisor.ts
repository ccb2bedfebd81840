// The hypervisor as services see it: domains by UUID, life-cycle calls and one bulk statistics
// collection. Implemented over libvirt (libvirt-hypervisor.ts) and by a fake in tests.
import type { HypervisorKind } from '../../core/vm/domain-xml.js';

export type DomainStateName = 'nostate' | 'running' | 'blocked' | 'paused' | 'shutdown' | 'shutoff' | 'crashed' | 'pmsuspended';

export const DOMAIN_STATES: readonly DomainStateName[] = ['nostate', 'running', 'blocked', 'paused', 'shutdown', 'shutoff', 'crashed', 'pmsuspended'];

export interface DomainInfo {
  name: string;
  /** Dashed, lower case, as libvirt prints it. */
  uuid: string;
  /** null when not running. */
  id: number | null;
  state: DomainStateName;
  maxMemKiB: number;
  memKiB: number;
  vcpus: number;
  cpuTimeNs: number;
}

export interface DomainStats extends DomainInfo {
  blockRdBytes?: number;
  blockWrBytes?: number;
  blockRdReqs?: number;
  blockWrReqs?: number;
  netRxBytes?: number;
  netTxBytes?: number;
}

export interface NodeInfo {
  model: string;
  memoryKiB: number;
  cpus: number;
  mhz: number;
  nodes: number;
  sockets: number;
  cores: number;
  threads: number;
}

export interface MigrateOptions {
  live: boolean;
  /** Destination libvirt URI, e.g. qemu+tcp://host/system or qemu+tls://host/system. */
  destUri: string;
}

export interface Hypervisor {
  readonly uri: string;
  readonly kind: HypervisorKind;
  open(): Promise<void>;
  close(): Promise<void>;
  listDomains(): Promise<DomainInfo[]>;
  /** undefined when no domain has this UUID. */
  lookup(uuid: string): Promise<DomainInfo | undefined>;
  /** undefined when no domain has this name. */
  lookupByName(name: string): Promise<DomainInfo | undefined>;
  define(xml: string): Promise<DomainInfo>;
  undefine(uuid: string): Promise<void>;
  start(uuid: string): Promise<void>;
  /** Asks the guest to shut down (ACPI / PV); returns at once. */
  shutdown(uuid: string): Promise<void>;
  destroy(uuid: string): Promise<void>;
  suspend(uuid: string): Promise<void>;
  resume(uuid: string): Promise<void>;
  /** `file` is a real path (already resolved under the sysroot). */
  save(uuid: string, file: string): Promise<void>;
  restore(file: string): Promise<void>;
  getXml(uuid: string, inactive?: boolean): Promise<string>;
  nodeInfo(): Promise<NodeInfo>;
  hostname(): Promise<string>;
  /** Every domain's counters in one collection (one virsh domstats, or one pass of the binding). */
  bulkStats(): Promise<DomainStats[]>;
  reboot(uuid: string): Promise<void>;
  migrate(uuid: string, opts: MigrateOptions): Promise<void>;
  /** Linux key names as virsh send-key takes them (KEY_LEFTALT, KEY_SYSRQ, KEY_B). */
  sendKey(uuid: string, keys: readonly string[]): Promise<void>;
}
