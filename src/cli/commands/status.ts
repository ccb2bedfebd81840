// `hvagent status`: a readable summary of the host as the running agent sees it.
import { parse, resolveTarget } from '../args.js';
import { XmlRpcClient } from '../../rpc/client.js';

export const HELP = `Usage: hvagent status [--url URL] [--password PW | --sandbox DIR]

Prints a short summary: agent version, ownership, pool, HA (master, members, leases, pending
HA queue), roles, networks, VMs, recent events.
`;

function tag(xml: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(xml);
  return m?.[1];
}

/** The HA part: lockspace, master, each member's liveness, our leases, the pending queue. */
export function haLines(ha: Record<string, unknown>): string[] {
  const hosts = Array.isArray(ha.hosts) ? (ha.hosts as Array<Record<string, unknown>>) : [];
  const pending = Array.isArray(ha.pending) ? (ha.pending as Array<Record<string, unknown>>) : [];
  const leases = Array.isArray(ha.leases) ? ha.leases.map(String) : [];
  const out = [
    `ha          node ${String(ha.node ?? '-')}  ${ha.joined ? 'in lockspace' : 'not joined'}  master node ${String(ha.masterNode ?? '-')}${ha.master ? ' (this host)' : ''}  vip ${ha.vipUp ? 'up here' : '-'}${ha.maintenance ? '  MAINTENANCE' : ''}`,
    `  members   ${hosts.map((h) => `${String(h.node)}:${String(h.liveness)}`).join(' ') || '-'}`,
    `  leases    ${leases.join(' ') || '-'}`,
    `  pending   ${pending.length ? pending.map((p) => `${String(p.uuid)}(${String(p.memMiB)} MiB since ${String(p.since)})`).join(' ') : '-'}`,
  ];
  if (ha.lastError) out.push(`  error     ${String(ha.lastError)}`);
  return out;
}

export async function run(argv: string[]): Promise<number> {
  const { values } = parse(argv, { url: { type: 'string' }, user: { type: 'string' }, password: { type: 'string' }, sandbox: { type: 'string' } }, false);
  if (values.help) return void process.stdout.write(HELP), 0;
  const t = resolveTarget(values);
  const u = new URL(t.url);
  u.username = encodeURIComponent(t.user);
  u.password = encodeURIComponent(t.password);
  const c = new XmlRpcClient({ url: u.toString(), timeoutMs: 60_000, rejectUnauthorized: false });
  const lines: string[] = [];
  const tryCall = async <T>(m: string, p: unknown[] = []): Promise<T | undefined> => {
    try {
      return (await c.call(m, p as never[])) as T;
    } catch (e) {
      lines.push(`  (${m}: ${(e as Error).message})`);
      return undefined;
    }
  };
  const server = await tryCall<string>('discover_server');
  if (server) {
    lines.unshift(
      `host        ${tag(server, 'Hostname') ?? '?'}  (${tag(server, 'OS_Name') ?? ''} ${tag(server, 'Host_Kernel_Release') ?? ''})`,
      `agent       hvagent ${tag(server, 'Agent_Version') ?? '?'} at ${t.url}`,
      `membership  ${tag(server, 'Membership_State') ?? '?'}  manager ${tag(server, 'Manager_Unique_Id') ?? '?'}`,
      `pool        ${tag(server, 'Pool_Unique_Id') || '-'}  master ${tag(server, 'Is_Current_Master') ?? '-'}  roles ${tag(server, 'Server_Roles') || '-'}`,
    );
  }
  const pool = server ? tag(server, 'Pool_Unique_Id') : undefined;
  if (pool) {
    const ha = await tryCall<Record<string, unknown>>('get_ha_state');
    if (ha) lines.push(...haLines(ha));
  }
  const caps = await tryCall<Record<string, unknown>>('get_network_capabilities');
  if (caps) {
    const nets = caps.networks && typeof caps.networks === 'object' ? Object.keys(caps.networks as object) : [];
    lines.push(`networks    ${nets.length ? nets.join(', ') : '-'}  dirty ${String(caps.netConfigDirty ?? '?')}`);
  }
  const vms = await tryCall<Array<Record<string, unknown>>>('list_vms');
  if (vms) lines.push(`vms         ${vms.length} running: ${vms.map((v) => `${String(v.name)}(${String(v.state)})`).join(' ') || '-'}`);
  const events = await tryCall<Array<Record<string, unknown>>>('get_events', [0]);
  if (events) {
    const unacked = events.filter((e) => !e.acknowledged && (e.severity === 'error' || e.severity === 'critical'));
    lines.push(`events      ${events.length} total, ${unacked.length} unacknowledged errors`);
    for (const e of events.slice(-5)) lines.push(`  #${String(e.id)} ${String(e.time)} ${String(e.severity)} ${String(e.code)}: ${String(e.message)}`);
  }
  process.stdout.write(lines.join('\n') + '\n');
  return server ? 0 : 1;
}
