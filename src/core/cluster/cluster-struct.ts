// configure_server_for_cluster / update_clusterConfiguration's cluster_conf struct
// ({cluster:[{name, node_count, heartbeat_mode}], node:[{number, name, ip_address, ip_port,
// cluster}], heartbeat:[{region, cluster}]}) to and from the cluster.conf model.
import { fail } from '../errors.js';
import { O2CB_PORT, validateClusterConf, type ClusterConf } from './cluster-conf.js';

type Struct = Record<string, unknown>;

function list(s: Struct, key: string): Struct[] {
  const v = s[key];
  if (v === undefined || v === null) return [];
  const arr = Array.isArray(v) ? v : [v];
  for (const x of arr) {
    if (!x || typeof x !== 'object' || Array.isArray(x)) throw fail('CLUSTER_INVALID', `cluster_conf.${key} must be a list of structs`);
  }
  return arr as Struct[];
}

function str(s: Struct, key: string, where: string): string {
  const v = s[key];
  if (typeof v === 'string' && v !== '') return v;
  if (typeof v === 'number') return String(v);
  throw fail('CLUSTER_INVALID', `cluster_conf.${where}.${key} is missing or not a string`);
}

function int(s: Struct, key: string, where: string, dflt?: number): number {
  const v = s[key];
  if ((v === undefined || v === '') && dflt !== undefined) return dflt;
  const n = typeof v === 'number' ? v : typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n)) throw fail('CLUSTER_INVALID', `cluster_conf.${where}.${key} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}

export function structToClusterConf(s: Struct): ClusterConf {
  const unknown = Object.keys(s).filter((k) => !['cluster', 'node', 'heartbeat'].includes(k));
  if (unknown.length > 0) throw fail('CLUSTER_INVALID', `cluster_conf has unknown keys: ${unknown.slice(0, 5).join(', ')}`);
  const conf: ClusterConf = {
    clusters: list(s, 'cluster').map((c) => {
      const mode = c.heartbeat_mode === undefined ? 'global' : String(c.heartbeat_mode);
      if (mode !== 'local' && mode !== 'global') throw fail('CLUSTER_INVALID', `cluster_conf.cluster.heartbeat_mode must be local or global, got ${mode}`);
      return { name: str(c, 'name', 'cluster'), heartbeatMode: mode, nodeCount: int(c, 'node_count', 'cluster', 0) };
    }),
    heartbeats: list(s, 'heartbeat').map((h) => ({ region: str(h, 'region', 'heartbeat').toUpperCase(), cluster: str(h, 'cluster', 'heartbeat') })),
    nodes: list(s, 'node').map((n) => ({
      number: int(n, 'number', 'node'),
      name: str(n, 'name', 'node'),
      ipAddress: str(n, 'ip_address', 'node'),
      ipPort: int(n, 'ip_port', 'node', O2CB_PORT),
      cluster: str(n, 'cluster', 'node'),
    })),
  };
  validateClusterConf(conf);
  return conf;
}

export function clusterConfToStruct(c: ClusterConf): Struct {
  return {
    cluster: c.clusters.map((x) => ({ name: x.name, node_count: String(x.nodeCount), heartbeat_mode: x.heartbeatMode })),
    heartbeat: c.heartbeats.map((h) => ({ region: h.region, cluster: h.cluster })),
    node: c.nodes.map((n) => ({ number: String(n.number), name: n.name, ip_address: n.ipAddress, ip_port: String(n.ipPort), cluster: n.cluster })),
  };
}
