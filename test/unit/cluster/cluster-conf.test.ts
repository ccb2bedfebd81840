import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { clusterConfToText, textToClusterConf, withNodeCounts, type ClusterConf } from '../../../src/core/cluster/cluster-conf.js';
import { clusterConfToStruct, structToClusterConf } from '../../../src/core/cluster/cluster-struct.js';
import { isAgentError } from '../../../src/core/errors.js';

const FIX = path.resolve(import.meta.dirname, '../../fixtures/cluster');
const C = 'f1e2d3c4b5a69788';
const R = '0004FB0000050000E70FBDDEB802208F';
const o2cb = ['/usr/sbin/o2cb', '/sbin/o2cb'].find((p) => fs.existsSync(p));

function pool(numbers: number[]): ClusterConf {
  return withNodeCounts({
    clusters: [{ name: C, heartbeatMode: 'global', nodeCount: 0 }],
    heartbeats: [{ region: R, cluster: C }],
    nodes: numbers.map((i) => ({ number: i, name: `ovm-${i + 1}`, ipAddress: `192.0.2.${11 + i}`, ipPort: 7777, cluster: C })),
  });
}

const cases: Array<[string, number[]]> = [
  ['two-nodes', [0, 1]],
  ['three-nodes', [0, 1, 2]],
  ['thirty-two-nodes', [...Array(32).keys()]],
  ['node-removed', [0, 2]],
];

for (const [name, numbers] of cases) {
  t.test(`${name}: rendered byte for byte as o2cb wrote it, and read back`, async (t) => {
    const golden = fs.readFileSync(path.join(FIX, name, 'cluster.conf'), 'utf8');
    const model = pool(numbers);
    t.equal(clusterConfToText(model), golden);
    t.same(textToClusterConf(golden), model);
    // list-cluster prints other key orders; the parser must not care
    t.same(textToClusterConf(fs.readFileSync(path.join(FIX, name, 'list-cluster.out'), 'utf8')), model);
    t.same(structToClusterConf(clusterConfToStruct(model)), model);
  });
}

t.test('the real o2cb reads back what we write', { skip: o2cb ? false : 'o2cb (ocfs2-tools) not installed' }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvc-conf-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  for (const [name, numbers] of cases) {
    const f = path.join(dir, `${name}.conf`);
    fs.writeFileSync(f, clusterConfToText(pool(numbers)));
    const out = execFileSync(o2cb as string, [`--config-file=${f}`, 'list-cluster', C], { encoding: 'utf8' });
    t.same(textToClusterConf(out), pool(numbers), `${name}: o2cb list-cluster sees our nodes`);
    t.equal(out, fs.readFileSync(path.join(FIX, name, 'list-cluster.out'), 'utf8'), `${name}: same listing as o2cb's own file`);
  }
  // and o2cb can keep editing our file: it refuses a used node number as it would in its own
  const f = path.join(dir, 'two-nodes.conf');
  let code = 0;
  try {
    execFileSync(o2cb as string, [`--config-file=${f}`, 'add-node', C, 'ovm-9', '--ip', '192.0.2.99', '--port', '7777', '--number', '1'], { stdio: 'pipe' });
  } catch (e) {
    code = (e as { status: number }).status;
  }
  t.equal(code, 1, 'o2cb refuses node number 1 in our file');
});

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return isAgentError(e) ? e.code : String(e);
  }
  return 'none';
};

t.test('refusals name the argument', async (t) => {
  const ok = clusterConfToStruct(pool([0, 1]));
  const bad = (patch: (s: any) => void) => {
    const s = structuredClone(ok) as any;
    patch(s);
    return codeOf(() => structToClusterConf(s));
  };
  t.equal(bad((s) => (s.cluster[0].name = '12345678901234567')), 'CLUSTER_INVALID', 'cluster name over 16 characters');
  t.equal(bad((s) => (s.node[1].number = '0')), 'CLUSTER_NODE_IN_USE', 'node number used twice');
  t.equal(bad((s) => (s.node[1].name = 'ovm-1')), 'CLUSTER_NODE_IN_USE', 'node name used twice');
  t.equal(bad((s) => (s.node[0].ip_address = '300.1.1.1')), 'CLUSTER_INVALID');
  t.equal(bad((s) => (s.node[0].cluster = 'other')), 'CLUSTER_INVALID', 'node of an unknown cluster');
  t.equal(bad((s) => (s.heartbeat[0].region = 'nothex')), 'CLUSTER_INVALID');
  t.equal(bad((s) => (s.cluster[0].heartbeat_mode = 'disk')), 'CLUSTER_INVALID');
  t.equal(bad((s) => (s.extra = 1)), 'CLUSTER_INVALID');
  t.equal(bad(() => {}), 'none');
  t.equal(codeOf(() => textToClusterConf('node:\n\tnumber = x\n')), 'CLUSTER_INVALID');
  t.equal(codeOf(() => textToClusterConf('bogus line\n')), 'CLUSTER_INVALID');
  t.equal(codeOf(() => textToClusterConf('weird:\n\ta = b\n')), 'CLUSTER_INVALID');
  // the CloudStack text form (other key order, no trailing spaces) parses
  const cs = `heartbeat:\n\tregion = ${R}\n\tcluster = ba9aaf00ae5e2d72\n\nnode:\n\tip_port = 7777\n\tip_address = 192.168.1.64\n\tnumber = 0\n\tname = ovm-1\n\tcluster = ba9aaf00ae5e2d72\n\ncluster:\n\tnode_count = 1\n\theartbeat_mode = global\n\tname = ba9aaf00ae5e2d72\n`;
  t.equal(textToClusterConf(cs).nodes[0].ipAddress, '192.168.1.64');
});
