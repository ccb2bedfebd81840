// src/host/net/live-ops.ts
// The contract between the network planner (core) and the host: the live operations a plan is
// made of, the applier that runs them, and the reader that produces the host snapshot.
export type LiveOp =
  | { op: 'link-add-bridge'; name: string }
  | { op: 'link-add-bond'; name: string; mode: string; options: Record<string, string> }
  | { op: 'link-add-vlan'; name: string; parent: string; id: number }
  | { op: 'link-del'; name: string }
  | { op: 'link-set-master'; name: string; master: string }
  | { op: 'link-set-nomaster'; name: string }
  | { op: 'link-set-up'; name: string }
  | { op: 'link-set-down'; name: string }
  | { op: 'link-set-mtu'; name: string; mtu: number }
  | { op: 'link-set-mac'; name: string; mac: string }
  | { op: 'bond-set-option'; name: string; option: string; value: string }   // sysfs /sys/class/net/<bond>/bonding/<option>
  | { op: 'bridge-set-option'; name: string; option: 'stp_state' | 'forward_delay'; value: string }
  | { op: 'addr-add'; dev: string; cidr: string; broadcast?: string }
  | { op: 'addr-del'; dev: string; cidr: string }
  | { op: 'addr-flush'; dev: string }
  | { op: 'route-add-default'; gateway: string; dev: string }
  | { op: 'route-del-default'; gateway?: string; dev: string }
  | { op: 'dhcp-start'; dev: string }          // dhclient / dhcpcd, may be unavailable in tests
  | { op: 'dhcp-stop'; dev: string }
  | { op: 'garp'; dev: string; ip: string };  // gratuitous ARP
export interface LiveApplier {
  /** Applies ops in order; on failure throws an AgentError (HOST_COMMAND_FAILED / NET_APPLY_FAILED) whose detail has {index, op, argv, stderr}. Returns the ops it ran. */
  apply(ops: readonly LiveOp[], opts?: { netns?: string }): Promise<{ ran: number }>;
}
export interface NetReader { read(opts?: { netns?: string }): Promise<import('./snapshot.js').HostNetSnapshot>; }
