// The emergency network reset trigger file: KEY=value lines (DEVICE and MODE always; IP,
// NETMASK, GATEWAY, DNS, VLAN when given), written by `hvagent reset-networking`, consumed at start.
import { fail } from '../errors.js';
import { isIpv4 } from './ip-util.js';
import { checkIfName, checkVlanId } from './validate.js';

export interface ResetRequest {
  device: string;
  mode: 'dhcp' | 'static';
  ip?: string;
  netmask?: string;
  gateway?: string;
  dns?: string;
  vlan?: number;
}

export function checkResetRequest(r: ResetRequest): void {
  try {
    checkIfName(r.device, 'device');
    if (r.vlan !== undefined) checkVlanId(r.vlan);
  } catch (e) {
    throw fail('NET_RESET_INVALID', (e as Error).message);
  }
  if (r.mode !== 'dhcp' && r.mode !== 'static') throw fail('NET_RESET_INVALID', `--mode must be dhcp or static, not ${String(r.mode)}`);
  if (r.mode === 'static') {
    if (!r.ip || !isIpv4(r.ip)) throw fail('NET_RESET_INVALID', '--mode static needs --ip with an IPv4 address');
    if (!r.netmask || !isIpv4(r.netmask)) throw fail('NET_RESET_INVALID', '--mode static needs --netmask (dotted)');
    if (r.gateway !== undefined && !isIpv4(r.gateway)) throw fail('NET_RESET_INVALID', `--gateway ${r.gateway} is not IPv4`);
  }
  if (r.dns !== undefined && !r.dns.split(',').every(isIpv4)) throw fail('NET_RESET_INVALID', `--dns ${r.dns} is not IPv4`);
}

export function resetRequestToTrigger(r: ResetRequest): string {
  const lines = [`DEVICE=${r.device}`, `MODE=${r.mode}`];
  if (r.mode === 'static') {
    if (r.ip) lines.push(`IP=${r.ip}`);
    if (r.netmask) lines.push(`NETMASK=${r.netmask}`);
    if (r.gateway) lines.push(`GATEWAY=${r.gateway}`);
    if (r.dns) lines.push(`DNS=${r.dns}`);
  }
  if (r.vlan !== undefined) lines.push(`VLAN=${r.vlan}`);
  return lines.join('\n') + '\n';
}

export function triggerToResetRequest(text: string): ResetRequest {
  const kv: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^\s*([A-Z_]+)=(.*)$/.exec(line);
    if (m) kv[m[1]] = m[2].trim();
  }
  if (!kv.DEVICE || !kv.MODE) throw fail('NET_RESET_INVALID', 'the reset trigger lacks DEVICE or MODE');
  const r: ResetRequest = { device: kv.DEVICE, mode: kv.MODE as ResetRequest['mode'] };
  if (kv.IP) r.ip = kv.IP;
  if (kv.NETMASK) r.netmask = kv.NETMASK;
  if (kv.GATEWAY) r.gateway = kv.GATEWAY;
  if (kv.DNS) r.dns = kv.DNS;
  if (kv.VLAN) r.vlan = Number(kv.VLAN);
  checkResetRequest(r);
  return r;
}
