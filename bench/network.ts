// Network bench: plan + render of one bond with 500 VLAN bridges against a floor measured in
// the same run (JSON.stringify of the same model plus a naive string-concat render of the same
// files), and the idempotent re-apply through the whole service (writes and commands: must be 0).
import { performance } from 'node:perf_hooks';
import { BACKENDS } from '../src/core/net/backend.js';
import { canonicalize } from '../src/core/net/canonicalize.js';
import type { NetModel } from '../src/core/net/model.js';
import { planChange } from '../src/core/net/plan.js';
import { setupNetworks, type NetworkAttrs } from '../src/core/net/setup-networks.js';
import { snapshotToModel } from '../src/core/net/snapshot-to-model.js';
import { validateModel } from '../src/core/net/validate.js';
import type { HostNetSnapshot } from '../src/host/net/snapshot.js';
import { port } from '../test/helpers/fake-net-host.js';
import { makeHarness } from '../test/helpers/net-harness.js';

const VLANS = 500;

function hostSnap(): HostNetSnapshot {
  return { links: [port('eth0', '52:54:00:00:00:01'), port('eth1', '52:54:00:00:00:02')], routes: [] };
}

function request(): { networks: Record<string, NetworkAttrs>; bondings: Record<string, { nics: string[]; options: string }> } {
  const networks: Record<string, NetworkAttrs> = {};
  for (let i = 0; i < VLANS; i++) networks[`vlan${i + 2}`] = { bonding: 'bond0', vlan: i + 2, bridged: true };
  return { networks, bondings: { bond0: { nics: ['eth0', 'eth1'], options: 'mode=4 miimon=100' } } };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)];
}

/** The floor: the same data serialized, and the same files built by plain string concatenation. */
function naiveRender(m: NetModel): number {
  let bytes = JSON.stringify(m).length;
  for (const i of Object.values(m.ifaces)) {
    bytes += ('DEVICE=' + i.name + '\nONBOOT=yes\nBOOTPROTO=none\n' + (i.kind === 'bridge' ? 'TYPE=Bridge\nDELAY=0\nSTP=off\n' : '')).length;
  }
  return bytes;
}

export async function runNetworkBench(): Promise<string> {
  const lines: string[] = [];
  const snap = hostSnap();
  const current = canonicalize(snapshotToModel(snap));
  const req = request();
  const backend = BACKENDS.ifcfg;
  const ours: number[] = [];
  const floor: number[] = [];
  let opsCount = 0;
  let filesCount = 0;
  for (let run = 0; run < 7; run++) {
    const t0 = performance.now();
    const desired = setupNetworks(current, req.networks, req.bondings);
    validateModel(desired, current, { hostPorts: new Set(['eth0', 'eth1']) });
    const plan = planChange(current, desired, backend, {});
    const t1 = performance.now();
    naiveRender(desired);
    const t2 = performance.now();
    ours.push(t1 - t0);
    floor.push(t2 - t1);
    opsCount = plan.ops.length;
    filesCount = plan.files.length;
  }
  const o = median(ours);
  const f = median(floor);
  lines.push(`network: plan+render 1 bond + ${VLANS} VLAN bridges: ${o.toFixed(1)} ms (median of 7; ${opsCount} ops, ${filesCount} files)`);
  lines.push(`network: floor (JSON.stringify + naive concat of the same ${filesCount} files): ${f.toFixed(2)} ms; ratio ${(o / f).toFixed(0)}x`);
  lines.push('network:   (the ratio is the cost of canonicalizing, validating and diffing whole models per entity over merely printing them)');

  const h = makeHarness(snap);
  try {
    const t0 = performance.now();
    await h.svc.setupNetworks(req.networks, req.bondings, {});
    const t1 = performance.now();
    const writes = h.writes.length;
    const cmds = h.host.applied.length;
    const calls = h.host.applyCalls;
    await h.svc.setupNetworks(req.networks, req.bondings, {});
    const t2 = performance.now();
    lines.push(`network: first apply through the service (simulated host): ${(t1 - t0).toFixed(0)} ms, ${writes} file writes, ${cmds} live ops`);
    lines.push(
      `network: idempotent re-apply: ${(t2 - t1).toFixed(0)} ms, ${h.writes.length - writes} writes, ${h.host.applied.length - cmds} commands, ${h.host.applyCalls - calls} applier calls (must be 0, 0, 0)`,
    );
  } finally {
    h.cleanup();
  }
  return lines.join('\n');
}
