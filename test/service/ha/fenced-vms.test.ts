// The fenced HA VMs a member reports are kept in its database: a new agent on the same database
// (a restart between fencing and the master's restart of them) still has them.
import t from 'tap';
import { FencedVms } from '../../../src/services/ha/fenced-vms.js';
import { makeKit } from '../../helpers/service-kit.js';

t.test('kept across a new instance on the same database; a delete too; an unreadable record is none', async (t) => {
  const kit = makeKit();
  t.teardown(() => kit.cleanup());
  const a = new FencedVms(kit);
  a.set('u1', { uuid: 'u1', memMiB: 512, repoId: 'r', vmId: 'v1' });
  a.set('u2', { uuid: 'u2', memMiB: 256 });
  t.same([...new FencedVms(kit).values()].map((v) => v.uuid), ['u1', 'u2'], 'a restarted agent has both');
  a.delete('u1');
  const b = new FencedVms(kit);
  t.same([...b.keys()], ['u2'], 'the delete is kept');
  t.same([...b.values()][0], { uuid: 'u2', memMiB: 256 });
  kit.hostState.set('ha.fenced', '{not json');
  t.same([...new FencedVms(kit).keys()], [], 'unreadable: none, and the agent still starts');
  kit.hostState.set('ha.fenced', JSON.stringify([{ uuid: 'u3' }]));
  t.same([...new FencedVms(kit).keys()], [], 'not the shape: none');
});
