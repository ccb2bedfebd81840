// A member whose agent (or host namespace) died as master keeps the virtual IP in its kernel:
// the agent that starts there drops it before joining, so two members never answer on the VIP
// (found by the real-process chaos run, where every member had ended up holding the address).
import t from 'tap';
import { PoolSim } from '../../helpers/ha-pool-sim.js';

t.test('a stale virtual IP is dropped when the agent starts, before it joins', async (t) => {
  const sim = new PoolSim();
  t.teardown(() => sim.cleanup());
  sim.add(0, 4096);
  sim.add(1, 4096);
  sim.vipHolders.add(1); // left from a previous life of node 1's agent
  await sim.run(2);
  t.same([...sim.vipHolders], [0], 'only the master holds it');
  await sim.run(6);
  t.same([...sim.vipHolders], [0]);
  t.same(sim.violations, []);
});
