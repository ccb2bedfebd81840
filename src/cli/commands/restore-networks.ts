// `hvagent restore-networks`: run at boot by a oneshot unit before hvagent.service; re-applies
// the safe network config entity by entity and prints the restore report.
import type { NetworkService } from '../../services/network/network-service.js';

export interface RestoreNetworksEnv {
  /** Builds the network service (config, database, host reader/applier) as the agent does. */
  network: () => Promise<NetworkService> | NetworkService;
  out?: (line: string) => void;
}

export async function run(argv: string[], env: RestoreNetworksEnv): Promise<number> {
  const out = env.out ?? ((l: string) => process.stdout.write(l + '\n'));
  const unknown = argv.filter((a) => a !== '--json' && a !== '--help');
  if (argv.includes('--help') || unknown.length) {
    out('Usage: hvagent restore-networks [--json]\n  re-applies the safe network config (entity by entity) and prints what was restored');
    return unknown.length ? 2 : 0;
  }
  const svc = await env.network();
  const report = await svc.restoreNetworks();
  if (argv.includes('--json')) out(JSON.stringify(report, null, 2));
  else {
    if (report.note) out(`restore-networks: ${report.note}`);
    for (const e of report.entries) out(`${e.result.padEnd(9)} ${e.kind.padEnd(6)} ${e.name}${e.reason ? `  (${e.reason})` : ''}`);
  }
  return report.entries.some((e) => e.result === 'failed') ? 1 : 0;
}
