// A VM that left the running list is a crash only when libvirt says so: a lookup that fails for
// another reason records nothing and is asked again at the next refresh.
import t from 'tap';
import { AgentError } from '../../../src/core/errors.js';
import { handleUnexpectedStops, type VmWatchState } from '../../../src/services/vm/vm-watch.js';
import type { VmLifecycleLog } from '../../../src/services/vm/vm-lifecycle-log.js';
import { VmStore } from '../../../src/store/vm-store.js';
import { VmIndex } from '../../../src/services/vm/vm-index.js';
import { openDatabase } from '../../../src/store/db.js';
import { FakeHypervisor } from '../../helpers/vm-fakes.js';

const U = 'aaaaaaaabbbbccccddddeeeeeeeeeeee';

t.test('a libvirt error is not a crash; a later "no such domain" is', async (t) => {
  const db = openDatabase({ file: ':memory:' });
  t.teardown(() => db.close());
  const hv = new FakeHypervisor();
  let failing = true;
  hv.lookup = async () => {
    if (failing) throw new AgentError('VM_HYPERVISOR_FAILED', 'lookup: cannot recv data: connection reset');
    return undefined;
  };
  const recorded: string[] = [];
  const failures: string[] = [];
  const store = new VmStore(db, () => 0);
  store.upsert(U, 'r', 'web', true);
  store.setState(U, 'running');
  const index = new VmIndex();
  index.place(U, { repoId: 'r', vmId: 'web' });
  const s: VmWatchState = {
    hypervisor: hv,
    index,
    store,
    lifecycle: { record: async (e: { action: string }) => void recorded.push(e.action) } as unknown as VmLifecycleLog,
    onLookupFailed: (vm) => failures.push(vm.uuid),
  };
  await handleUnexpectedStops(s, [{ uuid: U, name: 'web' }]);
  t.same(recorded, [], 'no crash, no HA crash recorded');
  t.equal(store.get(U)?.lastState, 'running', 'state untouched');
  t.same(failures, [U], 'the failure is reported (logged by the service)');
  await handleUnexpectedStops(s, []);
  t.same(recorded, [], 'still failing: still nothing');
  failing = false;
  await handleUnexpectedStops(s, []);
  t.same(recorded, ['crash', 'ha-crash'], 'libvirt answers "no such domain": decided at the next refresh');
  t.notOk(index.hasUndecided());
});
