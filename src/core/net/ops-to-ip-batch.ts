// Pure translation of live network operations into what the host runs: `ip -batch -` lines
// (consecutive iproute2 ops share one `ip` process), sysfs writes for bond options and argv
// for the rest (DHCP clients, gratuitous ARP). Each line and step remembers its op index.
import { fail } from '../errors.js';
import type { LiveOp } from './live-ops.js';

export type ApplyStep =
  /** lines[i] comes from ops[opIndexes[i]]; ip stops at the first failing line. */
  | { kind: 'ip-batch'; lines: string[]; opIndexes: number[] }
  | { kind: 'sysfs-write'; path: string; value: string; opIndex: number }
  | { kind: 'exec'; argv: string[]; opIndex: number };

export type DhcpClient = 'dhclient' | 'dhcpcd';

/** Bond options `ip link add ... type bond` takes under the same name and syntax as sysfs. */
const IP_BOND_OPTIONS = new Set([
  'miimon', 'updelay', 'downdelay', 'peer_notify_delay', 'use_carrier', 'arp_interval', 'arp_validate',
  'arp_all_targets', 'primary', 'primary_reselect', 'fail_over_mac', 'xmit_hash_policy', 'packets_per_slave',
  'tlb_dynamic_lb', 'lacp_rate', 'lacp_active', 'ad_select', 'num_grat_arp', 'num_unsol_na', 'all_slaves_active',
  'min_links', 'lp_interval', 'resend_igmp', 'ad_actor_sys_prio', 'ad_user_port_key', 'ad_actor_system',
]);

/** A token on an ip batch line or in a sysfs path: no blanks, quotes, comments or slashes. */
function tok(v: string | number, what: string): string {
  const s = String(v);
  if (s === '' || !/^[A-Za-z0-9_.:+\-@,]+$/.test(s)) throw fail('NET_INVALID', `unsafe ${what} for a live network operation: ${JSON.stringify(s)}`);
  return s;
}

const cidrTok = (v: string): string => {
  if (!/^[0-9A-Fa-f.:]+\/\d{1,3}$/.test(v)) throw fail('NET_BAD_ADDRESS', `not an address/prefix: ${JSON.stringify(v)}`);
  return v;
};

function bondAddLine(op: Extract<LiveOp, { op: 'link-add-bond' }>): { line: string; sysfs: Array<[string, string]> } {
  const parts = ['link', 'add', 'name', tok(op.name, 'bond name'), 'type', 'bond', 'mode', tok(op.mode, 'bond mode')];
  const sysfs: Array<[string, string]> = [];
  for (const [k, v] of Object.entries(op.options)) {
    if (k === 'mode') continue;
    if (IP_BOND_OPTIONS.has(k)) parts.push(tok(k, 'bond option'), tok(v, `bond option ${k}`));
    else sysfs.push([tok(k, 'bond option'), v]);
  }
  return { line: parts.join(' '), sysfs };
}

/** The `ip -batch` line of an op, or undefined when iproute2 does not do it. */
export function opToIpLine(op: LiveOp): string | undefined {
  switch (op.op) {
    case 'link-add-bridge':
      return `link add name ${tok(op.name, 'bridge name')} type bridge`;
    case 'link-add-bond':
      return bondAddLine(op).line;
    case 'link-add-vlan':
      return `link add link ${tok(op.parent, 'VLAN parent')} name ${tok(op.name, 'VLAN name')} type vlan id ${tok(op.id, 'VLAN id')}`;
    case 'link-del':
      return `link del dev ${tok(op.name, 'link name')}`;
    case 'link-set-master':
      return `link set dev ${tok(op.name, 'link name')} master ${tok(op.master, 'master name')}`;
    case 'link-set-nomaster':
      return `link set dev ${tok(op.name, 'link name')} nomaster`;
    case 'link-set-up':
      return `link set dev ${tok(op.name, 'link name')} up`;
    case 'link-set-down':
      return `link set dev ${tok(op.name, 'link name')} down`;
    case 'link-set-mtu':
      return `link set dev ${tok(op.name, 'link name')} mtu ${tok(op.mtu, 'MTU')}`;
    case 'link-set-mac':
      return `link set dev ${tok(op.name, 'link name')} address ${tok(op.mac, 'MAC')}`;
    case 'bridge-set-option':
      return `link set dev ${tok(op.name, 'bridge name')} type bridge ${op.option} ${tok(op.value, op.option)}`;
    case 'addr-add':
      return `address add ${cidrTok(op.cidr)}${op.broadcast ? ` broadcast ${tok(op.broadcast, 'broadcast')}` : ''} dev ${tok(op.dev, 'device')}`;
    case 'addr-del':
      return `address del ${cidrTok(op.cidr)} dev ${tok(op.dev, 'device')}`;
    case 'addr-flush':
      // scope global keeps the IPv6 link-local address the kernel manages
      return `address flush dev ${tok(op.dev, 'device')} scope global`;
    case 'route-add-default':
      return `route add default via ${tok(op.gateway, 'gateway')} dev ${tok(op.dev, 'device')}`;
    case 'route-del-default':
      return `route del default${op.gateway ? ` via ${tok(op.gateway, 'gateway')}` : ''} dev ${tok(op.dev, 'device')}`;
    default:
      return undefined;
  }
}

/** Only the ip batch lines of a list of ops (ops iproute2 does not do are left out). */
export function opsToIpBatch(ops: readonly LiveOp[]): string[] {
  return ops.map(opToIpLine).filter((l): l is string => l !== undefined);
}

export function bondOptionPath(bond: string, option: string): string {
  return `/sys/class/net/${tok(bond, 'bond name')}/bonding/${tok(option, 'bond option')}`;
}

export function dhcpArgv(client: DhcpClient, action: 'start' | 'stop', dev: string): string[] {
  const d = tok(dev, 'device');
  if (client === 'dhcpcd') return ['dhcpcd', action === 'start' ? '-b' : '-k', d];
  const pid = `/run/dhclient-${d}.pid`;
  return action === 'start' ? ['dhclient', '-nw', '-pf', pid, d] : ['dhclient', '-r', '-pf', pid, d];
}

export function garpArgv(dev: string, ip: string): string[] {
  return ['arping', '-U', '-c', '2', '-I', tok(dev, 'device'), tok(ip, 'address')];
}

/** Ops → the ordered steps the applier runs; consecutive iproute2 ops share one batch. */
export function opsToApplySteps(ops: readonly LiveOp[], opts: { dhcpClient?: DhcpClient } = {}): ApplyStep[] {
  const steps: ApplyStep[] = [];
  let batch: Extract<ApplyStep, { kind: 'ip-batch' }> | undefined;
  const push = (s: ApplyStep) => {
    batch = undefined;
    steps.push(s);
  };
  ops.forEach((op, i) => {
    if (op.op === 'bond-set-option') {
      push({ kind: 'sysfs-write', path: bondOptionPath(op.name, op.option), value: op.value, opIndex: i });
      return;
    }
    if (op.op === 'dhcp-start' || op.op === 'dhcp-stop') {
      push({ kind: 'exec', argv: dhcpArgv(opts.dhcpClient ?? 'dhclient', op.op === 'dhcp-start' ? 'start' : 'stop', op.dev), opIndex: i });
      return;
    }
    if (op.op === 'garp') {
      push({ kind: 'exec', argv: garpArgv(op.dev, op.ip), opIndex: i });
      return;
    }
    const line = opToIpLine(op);
    if (line === undefined) throw fail('NET_INVALID', `unknown live operation ${(op as { op: string }).op}`);
    if (!batch) {
      batch = { kind: 'ip-batch', lines: [], opIndexes: [] };
      steps.push(batch);
    }
    batch.lines.push(line);
    batch.opIndexes.push(i);
    if (op.op === 'link-add-bond') {
      for (const [k, v] of bondAddLine(op).sysfs) push({ kind: 'sysfs-write', path: bondOptionPath(op.name, k), value: v, opIndex: i });
    }
  });
  return steps;
}

/** "Command failed -:3" in ip's stderr → 0-based line index, or undefined. */
export function ipBatchFailedLine(stderr: string): number | undefined {
  const m = /Command failed -:(\d+)/.exec(stderr);
  return m ? Number(m[1]) - 1 : undefined;
}
