// The HA extension methods over a simulated pool: get_ha_state's wire shape, and
// set_maintenance_mode refusing a bad argument or a host in no pool without changing anything.
import t from 'tap';
import { Registry } from '../../../src/rpc/registry.js';
import { injector } from '../../helpers/inject.js';
import { haMethods } from '../../../src/rpc/methods/ha.js';
import { HaService } from '../../../src/services/ha/ha-service.js';
import { PoolSim } from '../../helpers/ha-pool-sim.js';
import { haLines } from '../../../src/cli/commands/status.js';

t.test('get_ha_state and set_maintenance_mode', async (t) => {
  const sim = new PoolSim();
  t.teardown(() => sim.cleanup());
  sim.add(0, 4096);
  sim.add(1, 4096);
  await sim.run(4);
  const call = injector(new Registry({ isOwned: () => true }, haMethods(sim.members[0].svc)));
  const st = (await call('get_ha_state')) as Record<string, unknown>;
  t.match(st, { pool: '0004fb00-0001-0000-0000-00000000abcd', node: 0, joined: true, master: true, masterNode: 0, vipUp: true, maintenance: false, leases: ['master'], pending: [] });
  t.same((st.hosts as Array<{ node: number }>).map((h) => h.node), [0, 1]);
  t.notOk('lastError' in st, 'no null on the wire');
  const text = haLines(st).join('\n');
  t.match(text, /ha {10}node 0 {2}in lockspace {2}master node 0 \(this host\) {2}vip up here/);
  t.match(text, /members {3}0:live 1:live/);
  t.match(text, /leases {4}master/);
  t.match(text, /pending {3}-/);
  await t.rejects(call('set_maintenance_mode', 'perhaps'), { code: 'INVALID_ARGUMENT' });
  await t.rejects(call('set_maintenance_mode'), { code: 'INVALID_ARGUMENT' });
  t.equal(sim.members[0].svc.maintenance, false, 'nothing changed');
  t.equal(await call('set_maintenance_mode', 1), null);
  t.equal(sim.members[0].svc.maintenance, true);
  t.ok(sim.members[0].kit.events.byCode('HA_MAINTENANCE_ON').length === 1);
  t.equal(await call('set_maintenance_mode', true), null, 'again: no change, no event');
  t.equal(sim.members[0].kit.events.byCode('HA_MAINTENANCE_ON').length, 1);

  const m = sim.members[1];
  const alone = new HaService({ ...(m.svc as unknown as { deps: ConstructorParameters<typeof HaService>[0] }).deps, pool: { current: () => undefined, setIsMaster: () => {} } });
  await t.rejects(injector(new Registry({ isOwned: () => true }, haMethods(alone)))('set_maintenance_mode', true), { code: 'POOL_NOT_MEMBER' });
  t.equal(m.kit.hostState.get('ha.maintenance'), undefined, 'refused without a change');
});
