// Boot-time restore: re-applies the safe config entity by entity (ports, bonds, VLANs, bridges)
// through the normal pipeline, skipping what cannot be restored (a missing NIC) with a reason,
// and stores a report readable over RPC (get_network_restore_report).
import { bottomUp, type Iface, type NetModel } from '../../core/net/model.js';
import { canonicalize } from '../../core/net/canonicalize.js';
import type { NetworkService } from './network-service.js';
import { RESET_TRIGGER } from './reset.js';

export interface RestoreEntry {
  name: string;
  kind: string;
  result: 'restored' | 'unchanged' | 'skipped' | 'failed';
  reason?: string;
}

export interface RestoreReport {
  time: string;
  source: 'safe' | 'none';
  entries: RestoreEntry[];
  note?: string;
}

function missingDeps(i: Iface, m: NetModel): string[] {
  if (i.kind === 'vlan') return m.ifaces[i.parent] ? [] : [i.parent];
  if (i.kind === 'bridge') return i.ports.filter((p) => !m.ifaces[p]);
  return [];
}

export async function restoreNetworks(svc: NetworkService): Promise<RestoreReport> {
  const { pipe, deps } = svc;
  const { log, clock, fs, config } = deps;
  const report: RestoreReport = { time: new Date(clock.now()).toISOString(), source: 'safe', entries: [] };
  const safe = pipe.repo.get('safe');
  if (await fs.exists(`${config.paths.stateDir}/${RESET_TRIGGER}`)) {
    report.source = 'none';
    report.note = 'an emergency network reset is pending; the agent applies it at start instead';
  } else if (!safe) {
    report.source = 'none';
    report.note = 'no safe network config is stored';
  } else {
    await pipe.locked(async () => {
      const start = await pipe.readCurrent();
      const order = bottomUp(Object.keys(safe.ifaces), (n) => safe.ifaces[n].kind);
      for (const name of order) {
        const want = structuredClone(safe.ifaces[name]);
        // a pool virtual IP belongs to the current master only; the pool service brings it back
        delete want.extraAddrs;
        const entry: RestoreEntry = { name, kind: want.kind, result: 'restored' };
        report.entries.push(entry);
        if (want.kind === 'port' && !start.live.ifaces[name]) {
          entry.result = 'skipped';
          entry.reason = `NIC ${name} is not present on this host`;
          log.warn({ iface: name }, `restore: skipped ${name}: ${entry.reason}`);
          continue;
        }
        try {
          const r = await pipe.change({ label: `restore ${name}` }, (cur) => {
            const m = structuredClone(cur);
            const missing = missingDeps(want, m);
            if (missing.length) throw Object.assign(new Error(`needs ${missing.join(', ')}, which could not be restored`), { skip: true });
            if (want.kind === 'bond') {
              const gone = want.slaves.filter((s) => !m.ifaces[s]);
              if (gone.length) entry.reason = `restored without missing port(s) ${gone.join(', ')}`;
              want.slaves = want.slaves.filter((s) => m.ifaces[s]);
              if (want.primary && !want.slaves.includes(want.primary)) delete want.primary;
            }
            const live = m.ifaces[name];
            m.ifaces[name] = live?.extraAddrs ? { ...want, extraAddrs: live.extraAddrs } : want;
            for (const [n, net] of Object.entries(safe.networks)) if (net.device === name || net.base === name) m.networks[n] = net;
            return { desired: canonicalize(m) };
          });
          if (!r.changed) entry.result = 'unchanged';
          log.info({ iface: name, result: entry.result }, `restore: ${name} ${entry.result}`);
        } catch (e) {
          const skip = (e as { skip?: boolean }).skip === true;
          entry.result = skip ? 'skipped' : 'failed';
          entry.reason = (e as Error).message.slice(0, 300);
          log.warn({ iface: name, reason: entry.reason }, `restore: ${entry.result} ${name}`);
        }
      }
    });
  }
  pipe.repo.saveRestoreReport(report);
  return report;
}
