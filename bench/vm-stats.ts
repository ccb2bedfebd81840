// Bench: get_vm_stats for 1,000 domains on libvirt's test driver — latency of the RPC handler
// served from the cache versus the cost of one bulk refresh of that cache.
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Intents } from '../src/services/intents/intents.js';
import pino from 'pino';
import { parseConfig } from '../src/core/config/schema.js';
import { REPO_SUBDIRS } from '../src/core/ids.js';
import { objectToVmCfg, vmCfgToText } from '../src/core/vm/vm-cfg.js';
import { vmCfgToDomainXml } from '../src/core/vm/domain-xml.js';
import { systemClock } from '../src/host/clock.js';
import { HostExec } from '../src/host/exec.js';
import { SysrootFs } from '../src/host/host-fs.js';
import { LibvirtHypervisor } from '../src/host/libvirt/libvirt-hypervisor.js';
import type { CallContext } from '../src/rpc/method.js';
import { vmMethods } from '../src/rpc/methods/vm.js';
import { EventJournal } from '../src/services/events/event-journal.js';
import { JobRunner } from '../src/services/jobs/job-runner.js';
import { VmService } from '../src/services/vm/vm-service.js';
import { openDatabase } from '../src/store/db.js';
import { HostStateRepo } from '../src/store/host-state.js';
import { LockManager } from '../src/core/locks.js';

const DOMAINS = 1000;
const CALLS = 2000;
const REFRESHES = 10;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

function fmt(ms: number): string {
  return ms < 1 ? `${(ms * 1000).toFixed(1)} µs` : `${ms.toFixed(2)} ms`;
}

export async function runVmStatsBench(): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), 'hvagent-bench-vm-'));
  const repo = 'benchrepo';
  for (const sub of REPO_SUBDIRS) mkdirSync(join(root, 'OVS/Repositories', repo, sub), { recursive: true });
  const parsed = parseConfig({ paths: { sysroot: root }, libvirt: { uri: 'test:///default', statsInterval: 3600 } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const db = openDatabase({ file: ':memory:' });
  const log = pino({ level: 'silent' });
  const hv = new LibvirtHypervisor({ uri: 'test:///default', exec: new HostExec() });
  const svc = new VmService({
    config: parsed.config,
    log,
    db,
    hostState: new HostStateRepo(db),
    clock: systemClock,
    exec: new HostExec(),
    locks: new LockManager(),
    fs: new SysrootFs(root),
    events: new EventJournal({ db, clock: systemClock, eventUrl: () => undefined }),
    jobs: new JobRunner({ db, clock: systemClock, log }),
    intents: new Intents({ db, events: new EventJournal({ db, clock: systemClock, eventUrl: () => undefined }), log }),
    hypervisor: hv,
    uri: hv.uri,
    hypervisorKind: 'test',
  });
  try {
    const fs = new SysrootFs(root);
    const docs = [];
    for (let i = 0; i < DOMAINS; i++) {
      const hex = i.toString(16).padStart(12, '0');
      const doc = objectToVmCfg({ name: `bench-${i}`, uuid: `6b3c1a20-9e1f-4c55-8a77-${hex}`, memory: 256, vcpus: 1, OVM_domain_type: 'hvm' });
      await fs.writeAtomic(`/OVS/Repositories/${repo}/VirtualMachines/bench-${i}/vm.cfg`, vmCfgToText(doc));
      docs.push(doc);
    }
    await svc.start();
    // Started behind the service's back (a test-driver world lives in its one connection).
    for (const doc of docs) {
      const info = await hv.define(vmCfgToDomainXml(doc, { hypervisor: 'test' }));
      await hv.start(info.uuid);
    }
    const refresh: number[] = [];
    for (let i = 0; i < REFRESHES; i++) {
      const t0 = performance.now();
      await svc.stats.refresh();
      refresh.push(performance.now() - t0);
    }
    const def = vmMethods(svc).find((d) => d.name === 'get_vm_stats')!;
    const ctx = { callId: 'bench', method: 'get_vm_stats', log } as unknown as CallContext;
    const timeCalls = async (args: unknown[]): Promise<{ lat: number[]; size: number }> => {
      const lat: number[] = [];
      let size = 0;
      for (let i = 0; i < CALLS; i++) {
        const t0 = performance.now();
        const out = await def.handler(def.params.parse(args) as never, ctx);
        lat.push(performance.now() - t0);
        size = Array.isArray(out) ? out.length : 1;
      }
      return { lat: lat.sort((a, b) => a - b), size };
    };
    const all = await timeCalls([]);
    const one = await timeCalls([repo, 'bench-500']);
    refresh.sort((a, b) => a - b);
    const refreshMed = pct(refresh, 50);
    const allMed = pct(all.lat, 50);
    const oneMed = pct(one.lat, 50);
    return [
      `vm-stats: ${DOMAINS} running domains on test:///default`,
      `  bulk refresh (one collection, ${REFRESHES} runs): median ${fmt(refreshMed)}, max ${fmt(refresh[refresh.length - 1])}`,
      `  get_vm_stats() all ${all.size} VMs from cache (${CALLS} calls): median ${fmt(allMed)}, p99 ${fmt(pct(all.lat, 99))}`,
      `  get_vm_stats(repo, vm) one VM from cache (${CALLS} calls): median ${fmt(oneMed)}, p99 ${fmt(pct(one.lat, 99))}`,
      `  ratio refresh / cached call: all ${(refreshMed / allMed).toFixed(0)}x, one ${(refreshMed / oneMed).toFixed(0)}x`,
    ].join('\n');
  } finally {
    await svc.stop().catch(() => {});
    db.close();
    rmSync(root, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runVmStatsBench().then((s) => console.log(s));
}
