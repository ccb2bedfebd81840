// The cluster methods through the real registry and XML-RPC codec: CloudStack's argument
// shapes (dashed uuids, a 15-character cluster name), struct and text cluster_conf, the stock
// discovery documents and the fault numbers of refusals.
import t from 'tap';
import { pino } from 'pino';
import { decodeMethodResponse, encodeMethodCall } from '../../src/rpc/codec/index.js';
import { Registry, callFromWire } from '../../src/rpc/registry.js';
import { poolMethods } from '../../src/rpc/methods/pool.js';
import { clusterKit } from '../helpers/cluster-kit.js';

const POOL = 'f12842ebf5ed3fe78da1eb0e17f5ede8';
const UUID = 'f12842eb-f5ed-3fe7-8da1-eb0e17f5ede8';
const MGR = 'd1a749d4295041fb99854f52ea4dea97';
const TARGET = 'cs-mgmt:/volumes/cs-data/primary/ovm/VirtualMachines';

t.test('a manager creating a clustered pool over the wire', async (t) => {
  const c = clusterKit();
  t.teardown(() => c.kit.cleanup());
  const reg = new Registry({ isOwned: () => true }, [...c.area.feature.methods, ...poolMethods(c.pool, c.area.sequence)]);
  const base = { remoteAddress: '192.0.2.10', localAddress: '192.0.2.1', user: 'oracle', signal: new AbortController().signal, log: pino({ level: 'silent' }) };
  const wire = async (method: string, params: unknown[]) => decodeMethodResponse(await callFromWire(reg, encodeMethodCall(method, params as never), base), { maxDepth: 64 });

  t.same(await wire('discover_pool_filesystem', []), { ok: true, value: '<?xml version="1.0" ?><Discover_Pool_Filesystem_Result/>' });
  // CloudStack's createPoolFs: (type, target, manager uuid's first 15 chars, fs id, base, manager, fs id)
  t.same(await wire('create_pool_filesystem', ['nfs', TARGET, MGR.substring(0, 15), UUID, POOL, MGR, UUID]), { ok: true, value: null });
  const xml = (await wire('discover_pool_filesystem', [])) as { value: string };
  t.match(xml.value, `<Pool_Filesystem_Uuid>${UUID}</Pool_Filesystem_Uuid>`);
  t.match(xml.value, `<Pool_Filesystem_Pool_Uuid>${UUID}</Pool_Filesystem_Pool_Uuid>`);
  t.match(await wire('create_pool_filesystem', ['nfs', TARGET, '0123456789abcdef0', UUID, POOL, MGR, UUID]), { ok: false, fault: { faultCode: 4003, faultString: /CLUSTER_INVALID: cluster_name must be 1-16 characters/ } });
  t.match(await wire('create_pool_filesystem', ['nfs', TARGET, 'c', UUID, POOL, MGR, UUID, 'x']), { ok: false, fault: { faultCode: 1003 } });

  t.same(await wire('create_server_pool', ['pool1', POOL, '192.0.2.250', 0, 'ovm-1', '192.0.2.11']), { ok: true, value: null });
  t.match(await wire('join_server_pool', ['pool2', 'ffffffffffffffffffffffffffffffff', '192.0.2.250', 1, 'ovm-1', '192.0.2.11']), { ok: false, fault: { faultCode: 4000 } });
  const cl = (await wire('discover_cluster', [])) as { value: string };
  t.match(cl.value, /^<\?xml version="1.0" \?><Discover_Cluster_Result><O2CB_Config><O2CB_HEARTBEAT_THRESHOLD>61<\/O2CB_HEARTBEAT_THRESHOLD>/);
  t.match(cl.value, `<Heartbeat><Region>${POOL.toUpperCase()}</Region><Cluster>${MGR.substring(0, 15)}</Cluster></Heartbeat>`);
  t.same(await wire('is_cluster_online', []), { ok: true, value: false });

  // update_clusterConfiguration in CloudStack's text form (other key order), then a clash
  const text = `heartbeat:\n\tregion = ${POOL.toUpperCase()}\n\tcluster = ${MGR.substring(0, 15)}\n\nnode:\n\tip_port = 7777\n\tip_address = 192.0.2.11\n\tnumber = 0\n\tname = ovm-1\n\tcluster = ${MGR.substring(0, 15)}\n\nnode:\n\tip_port = 7777\n\tip_address = 192.0.2.12\n\tnumber = 1\n\tname = ovm-2\n\tcluster = ${MGR.substring(0, 15)}\n\ncluster:\n\tnode_count = 2\n\theartbeat_mode = global\n\tname = ${MGR.substring(0, 15)}\n`;
  t.same(await wire('update_clusterConfiguration', [text]), { ok: true, value: null });
  t.match(await wire('update_clusterConfiguration', [text.replace('number = 1', 'number = 0')]), { ok: false, fault: { faultCode: 4005, faultString: /CLUSTER_NODE_IN_USE: cluster_conf: node number 0 is in use/ } });
  t.match(await wire('ocfs2_get_meta_data', ['/etc/passwd', 'x']), { ok: false, fault: { faultCode: 1003 } });
});
