// The HA service's pool view across processes: a member learns the members that joined after
// it from the pool FS's shared state (re-read before each round), not only from its own copy.
import t from 'tap';
import { makeKit } from '../../helpers/service-kit.js';
import { statePoolView } from '../../../src/services/ha/ha-adapters.js';
import { PoolSharedState, type SharedPool } from '../../../src/services/cluster/pool-shared-state.js';
import { STATE_KEYS } from '../../../src/services/context.js';

const DIR = '/poolfsmnt/0004fb0000050000e70fbddeb80220c1';
const member = (n: number) => ({ nodeNumber: n, hostname: `h${n}`, ip: `192.0.2.${11 + n}`, joinedAt: '2026-01-01T00:00:00Z' });
const doc = (nodes: number[]): SharedPool => ({
  version: 1,
  poolUuid: '0004fb00000100001a2b3c4d5e6f7081',
  poolFsUuid: '0004fb0000050000e70fbddeb80220c1',
  clusterName: 'c1',
  alias: 'pool1',
  virtualIp: '192.0.2.100',
  master: 'h0',
  members: nodes.map(member),
  haVms: [],
  pendingHa: [],
  generation: 0,
  updatedAt: '',
  updatedBy: '',
});

t.test('members that joined later are known after a refresh, with their addresses', async (t) => {
  const kit = makeKit();
  t.teardown(() => kit.cleanup());
  await kit.fs.mkdirp(`${DIR}/.hvagent`);
  // node 1 joined when nodes 0 and 1 were members: that is its own copy
  kit.hostState.setJson(STATE_KEYS.pool, { uuid: '0004fb00000100001a2b3c4d5e6f7081', nodeNumber: 1, virtualIp: '192.0.2.100' });
  const mine = new PoolSharedState(kit, DIR, 'h1');
  await mine.update(() => doc([0, 1]));
  // node 2 joined afterwards, through its own agent: only the pool FS says so
  await new PoolSharedState({ ...kit, hostState: makeKit().hostState }, DIR, 'h2').update(() => doc([0, 1, 2]));

  const view = statePoolView(kit.hostState, () => DIR, (dir) => new PoolSharedState(kit, dir, '').read());
  t.same(view.current()?.members, [0, 1], 'before: this member\'s last copy');
  t.equal(view.memberIp(2), undefined);
  await view.refresh?.();
  t.same(view.current()?.members, [0, 1, 2], 'after: the pool FS\'s members');
  t.equal(view.memberIp(2), '192.0.2.13');
});

t.test('no refresh outside a pool, and an unreadable document keeps the last copy', async (t) => {
  const kit = makeKit();
  t.teardown(() => kit.cleanup());
  await kit.fs.mkdirp(`${DIR}/.hvagent`);
  let reads = 0;
  const view = statePoolView(kit.hostState, () => DIR, async () => void reads++);
  await view.refresh?.();
  t.equal(reads, 0, 'not in a pool: the pool FS is not read');

  kit.hostState.setJson(STATE_KEYS.pool, { uuid: '0004fb00000100001a2b3c4d5e6f7081', nodeNumber: 0 });
  await new PoolSharedState(kit, DIR, 'h0').update(() => doc([0, 1]));
  await kit.fs.writeAtomic(`${DIR}/.hvagent/pool.json`, '{"version": 2}');
  const real = statePoolView(kit.hostState, () => DIR, (dir) => new PoolSharedState(kit, dir, '').read());
  await t.rejects(real.refresh!(), { code: 'POOLFS_INVALID' });
  t.same(real.current()?.members, [0, 1], 'the last good copy stays');
});
