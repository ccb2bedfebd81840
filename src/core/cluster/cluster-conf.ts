// /etc/ocfs2/cluster.conf: the model, its text exactly as o2cb 1.8 writes it (stanza name at
// column 0, tab-indented `key = value`, a blank line after each stanza) and a parser that
// accepts any key order (`o2cb list-cluster` prints the keys in another order).
import { isIpv4 } from '../net/ip-util.js';
import { fail } from '../errors.js';

export interface ClusterStanza {
  name: string;
  heartbeatMode: 'local' | 'global';
  nodeCount: number;
}

export interface HeartbeatStanza {
  region: string;
  cluster: string;
}

export interface NodeStanza {
  number: number;
  name: string;
  ipAddress: string;
  ipPort: number;
  cluster: string;
}

export interface ClusterConf {
  clusters: ClusterStanza[];
  heartbeats: HeartbeatStanza[];
  nodes: NodeStanza[];
}

export const O2CB_PORT = 7777;
/** o2cb refuses longer names ("Cluster name is invalid ; max 16 characters"). */
export const MAX_CLUSTER_NAME = 16;
/** O2NM_MAX_NODES: node numbers 0..254. */
export const MAX_NODE_NUMBER = 254;

const NAME_RE = /^[A-Za-z0-9_-]+$/;
const REGION_RE = /^[0-9A-Fa-f]{32}$/;

function stanza(kind: string, pairs: Array<[string, string | number]>): string {
  return `${kind}:\n${pairs.map(([k, v]) => `\t${k} = ${v}\n`).join('')}\n`;
}

/** The file text, stanza by stanza in o2cb's order: clusters, heartbeats, nodes. */
export function clusterConfToText(conf: ClusterConf): string {
  validateClusterConf(conf);
  const out: string[] = [];
  for (const c of conf.clusters) out.push(stanza('cluster', [['name', c.name], ['heartbeat_mode', c.heartbeatMode], ['node_count', c.nodeCount]]));
  for (const h of conf.heartbeats) out.push(stanza('heartbeat', [['cluster', h.cluster], ['region', h.region]]));
  for (const n of conf.nodes) {
    out.push(stanza('node', [['cluster', n.cluster], ['number', n.number], ['ip_port', n.ipPort], ['ip_address', n.ipAddress], ['name', n.name]]));
  }
  return out.join('');
}

function intOf(v: string | undefined, what: string): number {
  if (v === undefined || !/^\d+$/.test(v)) throw fail('CLUSTER_INVALID', `cluster_conf: ${what} must be a non-negative integer, got ${JSON.stringify(v ?? '')}`);
  return Number(v);
}

function need(v: string | undefined, what: string): string {
  if (v === undefined || v === '') throw fail('CLUSTER_INVALID', `cluster_conf: ${what} is missing`);
  return v;
}

/** Parses cluster.conf text (any key order, blank lines and `#` comments ignored). */
export function textToClusterConf(text: string): ClusterConf {
  const stanzas: Array<{ kind: string; kv: Map<string, string> }> = [];
  for (const [i, raw] of text.split('\n').entries()) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    const head = /^([a-z_]+):\s*$/.exec(line);
    if (head) {
      stanzas.push({ kind: head[1], kv: new Map() });
      continue;
    }
    const kv = /^\s+([a-z_]+)\s*=\s*(.*?)\s*$/.exec(line);
    const cur = stanzas[stanzas.length - 1];
    if (!kv || !cur) throw fail('CLUSTER_INVALID', `cluster_conf line ${i + 1} is neither a stanza header nor an indented key = value: ${JSON.stringify(line.slice(0, 80))}`);
    cur.kv.set(kv[1], kv[2]);
  }
  const conf: ClusterConf = { clusters: [], heartbeats: [], nodes: [] };
  for (const { kind, kv } of stanzas) {
    if (kind === 'cluster') {
      const mode = kv.get('heartbeat_mode') ?? 'local';
      if (mode !== 'local' && mode !== 'global') throw fail('CLUSTER_INVALID', `cluster_conf: heartbeat_mode must be local or global, got ${mode}`);
      conf.clusters.push({ name: need(kv.get('name'), 'cluster.name'), heartbeatMode: mode, nodeCount: intOf(kv.get('node_count') ?? '0', 'cluster.node_count') });
    } else if (kind === 'heartbeat') {
      conf.heartbeats.push({ region: need(kv.get('region'), 'heartbeat.region'), cluster: need(kv.get('cluster'), 'heartbeat.cluster') });
    } else if (kind === 'node') {
      conf.nodes.push({
        number: intOf(kv.get('number'), 'node.number'),
        name: need(kv.get('name'), 'node.name'),
        ipAddress: need(kv.get('ip_address'), 'node.ip_address'),
        ipPort: intOf(kv.get('ip_port'), 'node.ip_port'),
        cluster: need(kv.get('cluster'), 'node.cluster'),
      });
    } else {
      throw fail('CLUSTER_INVALID', `cluster_conf: unknown stanza ${kind}:`);
    }
  }
  validateClusterConf(conf);
  return conf;
}

export function validateClusterName(name: string, what = 'cluster name'): void {
  if (name.length === 0 || name.length > MAX_CLUSTER_NAME || !NAME_RE.test(name)) {
    throw fail('CLUSTER_INVALID', `${what} must be 1-${MAX_CLUSTER_NAME} characters of letters, digits, '-' or '_': ${JSON.stringify(name.slice(0, 40))}`);
  }
}

/** Refuses what o2cb itself refuses (long names, a node number or name used twice) and worse. */
export function validateClusterConf(conf: ClusterConf): void {
  const names = new Set<string>();
  for (const c of conf.clusters) {
    validateClusterName(c.name, 'cluster.name');
    if (names.has(c.name)) throw fail('CLUSTER_INVALID', `cluster_conf: cluster ${c.name} appears twice`);
    names.add(c.name);
  }
  const known = (cluster: string, what: string) => {
    if (!names.has(cluster)) throw fail('CLUSTER_INVALID', `cluster_conf: ${what} names cluster ${JSON.stringify(cluster)}, which has no cluster stanza`);
  };
  const regions = new Set<string>();
  for (const h of conf.heartbeats) {
    known(h.cluster, 'heartbeat');
    if (!REGION_RE.test(h.region)) throw fail('CLUSTER_INVALID', `cluster_conf: heartbeat.region must be 32 hex digits (the pool FS UUID): ${JSON.stringify(h.region.slice(0, 40))}`);
    if (regions.has(`${h.cluster}/${h.region}`)) throw fail('CLUSTER_INVALID', `cluster_conf: heartbeat region ${h.region} appears twice`);
    regions.add(`${h.cluster}/${h.region}`);
  }
  const numbers = new Set<string>();
  const nodeNames = new Set<string>();
  for (const n of conf.nodes) {
    known(n.cluster, `node ${n.name}`);
    if (!Number.isInteger(n.number) || n.number < 0 || n.number > MAX_NODE_NUMBER) throw fail('CLUSTER_INVALID', `cluster_conf: node.number must be 0-${MAX_NODE_NUMBER}, got ${n.number}`);
    if (!NAME_RE.test(n.name.replace(/\./g, '')) || n.name.length > 64) throw fail('CLUSTER_INVALID', `cluster_conf: node.name must be a host name: ${JSON.stringify(n.name.slice(0, 80))}`);
    if (!isIpv4(n.ipAddress)) throw fail('CLUSTER_INVALID', `cluster_conf: node.ip_address of ${n.name} must be an IPv4 address: ${JSON.stringify(n.ipAddress)}`);
    if (!Number.isInteger(n.ipPort) || n.ipPort < 1 || n.ipPort > 65535) throw fail('CLUSTER_INVALID', `cluster_conf: node.ip_port of ${n.name} must be 1-65535`);
    if (numbers.has(`${n.cluster}/${n.number}`)) throw fail('CLUSTER_NODE_IN_USE', `cluster_conf: node number ${n.number} is in use`);
    if (nodeNames.has(`${n.cluster}/${n.name}`)) throw fail('CLUSTER_NODE_IN_USE', `cluster_conf: node name ${n.name} is in use`);
    numbers.add(`${n.cluster}/${n.number}`);
    nodeNames.add(`${n.cluster}/${n.name}`);
  }
}

/** A copy with node_count recomputed, as o2cb keeps it. */
export function withNodeCounts(conf: ClusterConf): ClusterConf {
  return {
    ...conf,
    clusters: conf.clusters.map((c) => ({ ...c, nodeCount: conf.nodes.filter((n) => n.cluster === c.name).length })),
  };
}
