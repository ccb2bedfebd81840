// The sanlock names of a pool's HA objects (lockspace, VM leases) and the HA state a member
// reports (ext get_ha_state, `hvagent status`).

export interface HaState {
  pool: string | null;
  node: number | null;
  joined: boolean;
  master: boolean;
  masterNode: number | null;
  vipUp: boolean;
  maintenance: boolean;
  hosts: Array<{ node: number; liveness: string; generation: number }>;
  leases: string[];
  pending: Array<{ uuid: string; memMiB: number; since: string }>;
  lastRound: string | null;
  lastError: string | null;
}

/** sanlock names: the lockspace from the pool uuid, one resource per HA VM. */
export function lockspaceName(poolUuid: string): string {
  return `hv${poolUuid.replace(/-/g, '').slice(0, 32)}`;
}
export function vmLeaseName(uuid: string): string {
  return `vm-${uuid.replace(/-/g, '').slice(0, 40)}`;
}
