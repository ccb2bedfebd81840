// discover_cluster and discover_pool_filesystem documents: the stock elements (as CloudStack
// captured them) plus our live state: Cluster_State and the live-node map.
import { el, renderXmlDocument } from '../discovery/xml-doc.js';
import type { ClusterConf } from './cluster-conf.js';
import { o2cbConfToStruct, type O2cbConf } from './o2cb-conf.js';

export type ClusterState = 'Offline' | 'Heartbeating' | 'DLM_Ready';

export interface LiveNodeView {
  number: number;
  state: 'live' | 'dead' | 'unknown';
  generation: string;
  seq: number;
}

export interface ClusterXmlInput {
  o2cb?: O2cbConf;
  conf?: ClusterConf;
  state: ClusterState;
  liveNodes?: LiveNodeView[];
}

export function clusterToXml(x: ClusterXmlInput): string {
  const o2cb = x.o2cb ? o2cbConfToStruct(x.o2cb) : undefined;
  const c = x.conf;
  return renderXmlDocument(
    el(
      'Discover_Cluster_Result',
      o2cb ? el('O2CB_Config', ...Object.entries(o2cb).map(([k, v]) => el(k, v))) : null,
      c
        ? el(
            'Cluster_Information',
            el(
              'Stored',
              el('Clusters', ...c.clusters.map((k) => el('Cluster', el('Name', k.name), el('Node_Count', k.nodeCount), el('Heartbeat_Mode', k.heartbeatMode)))),
              el('Heartbeats', ...c.heartbeats.map((h) => el('Heartbeat', el('Region', h.region), el('Cluster', h.cluster)))),
              el(
                'Nodes',
                ...c.nodes.map((n) => el('Node', el('Number', n.number), el('IP_Port', n.ipPort), el('IP_Address', n.ipAddress), el('Name', n.name), el('Cluster_Name', n.cluster))),
              ),
            ),
          )
        : null,
      el('Cluster_State', x.state),
      x.liveNodes
        ? el(
            'Live_Nodes',
            ...x.liveNodes.map((n) => el('Node', el('Number', n.number), el('State', n.state), el('Generation', n.generation), el('Sequence', n.seq))),
          )
        : null,
    ),
  );
}

export interface PoolFsRecord {
  type: string;
  target: string;
  uuid: string;
  nfsbaseUuid: string;
  managerUuid: string;
  poolUuid: string;
  version: string;
}

export function poolFsToXml(p: PoolFsRecord | undefined): string {
  if (!p) return renderXmlDocument(el('Discover_Pool_Filesystem_Result'));
  return renderXmlDocument(
    el(
      'Discover_Pool_Filesystem_Result',
      el(
        'Pool_Filesystem',
        el('Pool_Filesystem_Type', p.type),
        el('Pool_Filesystem_Target', p.target),
        el('Pool_Filesystem_Uuid', p.uuid),
        el('Pool_Filesystem_Nfsbase_Uuid', p.nfsbaseUuid),
        el('Pool_Filesystem_Manager_Uuid', p.managerUuid),
        el('Pool_Filesystem_Version', p.version),
        el('Pool_Filesystem_Pool_Uuid', p.poolUuid),
      ),
    ),
  );
}
