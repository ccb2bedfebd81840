// Golden cases: test/fixtures/net/<case>/{current.json, desired.json, files/, expected/, plan.json}.
// current.json is a HostNetSnapshot, files/ the config files already on the host, desired.json
// the request ({backend?, networks, bondings} or {calls: [[method, ...args]]}); expected/ holds
// every file the plan writes (a file named <name>.DELETED marks a deletion) and plan.json the ops.
// UPDATE_GOLDEN=1 rewrites expected outputs.
import t from 'tap';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { BACKENDS, type BackendName } from '../../src/core/net/backend.js';
import { canonicalize } from '../../src/core/net/canonicalize.js';
import { ifcfgToModel } from '../../src/core/net/ifcfg-parse.js';
import { IFCFG_DIR } from '../../src/core/net/ifcfg-render.js';
import * as mut from '../../src/core/net/mutations.js';
import type { NetModel } from '../../src/core/net/model.js';
import { planChange } from '../../src/core/net/plan.js';
import { setupNetworks, networksArgSchema, bondingsArgSchema } from '../../src/core/net/setup-networks.js';
import { mergeCurrent, snapshotToModel } from '../../src/core/net/snapshot-to-model.js';
import { validateModel } from '../../src/core/net/validate.js';
import type { HostNetSnapshot } from '../../src/host/net/snapshot.js';

const ROOT = join(import.meta.dirname, '../fixtures/net');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

function walk(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? walk(p) : [p];
  });
}

type Call = [string, ...unknown[]];

function applyCalls(cur: NetModel, calls: Call[]): NetModel {
  let m = cur;
  for (const [method, ...a] of calls) {
    const s = a as string[];
    const n = a as number[];
    switch (method) {
      case 'ovs_bond_config': m = mut.bondConfig(m, s[0] as 'add', s[1]).desired; break;
      case 'ovs_bond_op': m = mut.bondOp(m, s[0] as 'add', s[1], s[2]).desired; break;
      case 'ovs_bond_mode': m = mut.bondMode(m, s[0], s[1]).desired; break;
      case 'ovs_change_mtu': m = mut.changeMtu(m, s[0], n[1]).desired; break;
      case 'ovs_ip_config': m = mut.ipConfig(m, s[0], s[1] as 'static', s[2], s[3]).desired; break;
      case 'ovs_if_meta': m = mut.ifMeta(m, s[0], s[1]).desired; break;
      case 'ovs_local_config': m = mut.localConfig(m, s[0] as 'start', s[1]).desired; break;
      case 'ovs_vlan_config': m = mut.vlanConfig(m, s[0] as 'add', s[1], n[2]).desired; break;
      case 'ovs_br_config': m = mut.brConfig(m, s[0] as 'start', s[1], s[2]).desired; break;
      case 'ovs_vlan_bridge': m = mut.vlanBridge(m, s[0] as 'start', s[1], s[2], n[3]).desired; break;
      case 'configure_virtual_ip': m = mut.configureVip(m, s[0], s[1]).desired; break;
      default: throw new Error(`unknown call ${method}`);
    }
  }
  return m;
}

for (const c of readdirSync(ROOT).filter((d) => existsSync(join(ROOT, d, 'desired.json'))).sort()) {
  t.test(c, async (t) => {
    const dir = join(ROOT, c);
    const snap = JSON.parse(readFileSync(join(dir, 'current.json'), 'utf8')) as HostNetSnapshot;
    const req = JSON.parse(readFileSync(join(dir, 'desired.json'), 'utf8')) as {
      backend?: BackendName;
      networks?: unknown;
      bondings?: unknown;
      calls?: Call[];
    };
    const backend = BACKENDS[req.backend ?? 'ifcfg'];
    const existing: Record<string, string> = {};
    for (const f of walk(join(dir, 'files'))) existing['/' + relative(join(dir, 'files'), f)] = readFileSync(f, 'utf8');
    const byName: Record<string, string> = {};
    for (const [p, txt] of Object.entries(existing)) if (p.startsWith(IFCFG_DIR + '/')) byName[p.slice(IFCFG_DIR.length + 1)] = txt;
    const current = canonicalize(mergeCurrent(snapshotToModel(snap), ifcfgToModel(byName)));
    const desired = canonicalize(
      req.calls
        ? applyCalls(current, req.calls)
        : setupNetworks(current, networksArgSchema.parse(req.networks ?? {}), bondingsArgSchema.parse(req.bondings ?? {})),
    );
    validateModel(desired, current, { hostPorts: new Set(snap.links.filter((l) => l.kind === 'physical' || l.kind === 'veth').map((l) => l.name)) });
    const plan = planChange(current, desired, backend, existing);
    const expDir = join(dir, 'expected');
    if (UPDATE) {
      rmSync(expDir, { recursive: true, force: true });
      for (const f of plan.files) {
        const out = join(expDir, f.path.slice(1) + (f.new === undefined ? '.DELETED' : ''));
        mkdirSync(dirname(out), { recursive: true });
        writeFileSync(out, f.new ?? '');
      }
      writeFileSync(join(dir, 'plan.json'), JSON.stringify(plan.ops, null, 1) + '\n');
    }
    const expectedFiles = walk(expDir).map((f) => '/' + relative(expDir, f));
    t.same(
      plan.files.map((f) => f.path + (f.new === undefined ? '.DELETED' : '')).sort(),
      expectedFiles.sort(),
      'the plan touches exactly the expected files',
    );
    for (const f of plan.files) {
      if (f.new === undefined) continue;
      t.equal(f.new, readFileSync(join(expDir, f.path.slice(1)), 'utf8'), `content of ${f.path}`);
    }
    t.same(plan.ops, JSON.parse(readFileSync(join(dir, 'plan.json'), 'utf8')), 'live operations');
    // idempotence: planning the desired state against itself does nothing
    const again = planChange(desired, desired, backend, Object.fromEntries(plan.files.filter((f) => f.new).map((f) => [f.path, f.new!])));
    t.same(again, { ops: [], files: [] }, 'the same request again plans nothing');
  });
}
