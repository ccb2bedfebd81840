// Bench: 200 bridges with one address each applied in a fresh network namespace, by the
// IpLiveApplier (one `ip -batch` process) against the naive way (one `ip` process per command).
import { performance } from 'node:perf_hooks';
import { HostExec } from '../src/host/exec.js';
import { SysrootFs } from '../src/host/host-fs.js';
import { IpLiveApplier } from '../src/host/net/ip-applier.js';
import type { LiveOp } from '../src/host/net/live-ops.js';
import { createNetns, deleteNetns } from '../src/host/net/netns.js';
import { opToIpLine } from '../src/core/net/ops-to-ip-batch.js';

const BRIDGES = 200;

function bridgeOps(n: number): LiveOp[] {
  const ops: LiveOp[] = [];
  for (let i = 0; i < n; i++) {
    const name = `bbr${i}`;
    ops.push({ op: 'link-add-bridge', name });
    ops.push({ op: 'addr-add', dev: name, cidr: `10.${100 + Math.floor(i / 250)}.${i % 250}.1/24` });
    ops.push({ op: 'link-set-up', name });
  }
  return ops;
}

async function countConfigured(exec: HostExec, netns: string): Promise<number> {
  const rows = JSON.parse((await exec.run(['ip', '-j', '-4', 'addr', 'show'], { netns })).stdout) as Array<{ ifname: string; addr_info: unknown[] }>;
  return rows.filter((r) => r.ifname.startsWith('bbr') && r.addr_info.length === 1).length;
}

export async function runNetApplyBench(): Promise<string> {
  const exec = new HostExec();
  const netns = `hvbench-${process.pid.toString(36)}`;
  const ops = bridgeOps(BRIDGES);
  const fmt = (ms: number) => `${ms.toFixed(0)} ms, ${((ops.length / ms) * 1000).toFixed(0)} commands/s`;
  try {
    await deleteNetns(exec, netns);
    await createNetns(exec, netns);
    const applier = new IpLiveApplier({ exec, fs: new SysrootFs('/') });
    const t0 = performance.now();
    await applier.apply(ops, { netns });
    const batched = performance.now() - t0;
    const okBatched = await countConfigured(exec, netns);

    await deleteNetns(exec, netns);
    await createNetns(exec, netns);
    const t1 = performance.now();
    for (const op of ops) await exec.run(['ip', '-n', netns, ...opToIpLine(op)!.split(' ')]);
    const naive = performance.now() - t1;
    const okNaive = await countConfigured(exec, netns);

    return [
      `net-apply: ${BRIDGES} bridges with one address each (${ops.length} commands) in a fresh namespace`,
      `  ip -batch (IpLiveApplier): ${fmt(batched)}  [${okBatched}/${BRIDGES} verified]`,
      `  one ip process per command: ${fmt(naive)}  [${okNaive}/${BRIDGES} verified]`,
      `  speed-up: ${(naive / batched).toFixed(1)}x`,
    ].join('\n');
  } finally {
    await deleteNetns(exec, netns);
  }
}

if (process.argv[1] && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  runNetApplyBench().then((s) => console.log(s));
}
