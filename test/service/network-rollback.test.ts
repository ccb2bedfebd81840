// When the rollback itself fails, and when the agent stops while a change waits for the
// manager: NET_ROLLBACK_FAILED naming what stayed, a critical event, the network marked dirty;
// stop rolls the waiting change back and returns only once that is done.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { AgentError } from '../../src/core/errors.js';
import type { HostNetSnapshot } from '../../src/host/net/snapshot.js';
import type { LiveOp } from '../../src/host/net/live-ops.js';
import { makeHarness, type Harness } from '../helpers/net-harness.js';
import { canonicalize } from '../../src/core/net/canonicalize.js';
import { snapshotToModel } from '../../src/core/net/snapshot-to-model.js';
import { FakeNetHost, port } from '../helpers/fake-net-host.js';

const FIX = join(import.meta.dirname, '../fixtures/net/bonded-trunk');
const snap = (): HostNetSnapshot => {
  const s = JSON.parse(readFileSync(join(FIX, 'current.json'), 'utf8')) as HostNetSnapshot;
  s.links.push(port('eth2', '52:54:00:00:00:02', { addresses: [{ family: 'inet', address: '192.168.1.10', prefixlen: 24, dynamic: false }] }));
  return s;
};
const live = (h: Harness) => ({ model: canonicalize(snapshotToModel(h.host.snap)), routes: h.host.snap.routes, up: h.host.snap.links.map((l) => `${l.name}:${l.up}`).sort() });
const req = () => JSON.parse(readFileSync(join(FIX, 'desired.json'), 'utf8')) as { networks: Record<string, never>; bondings: Record<string, never> };

t.test('a rollback that fails faults NET_ROLLBACK_FAILED, raises a critical event and marks the network dirty', async (t) => {
  const host = new FakeNetHost(snap());
  let applies = 0;
  // every live apply fails after its first op: the change at apply-live, then its rollback
  const applier = {
    async apply(ops: readonly LiveOp[]) {
      applies++;
      await host.apply(ops.slice(0, 1));
      throw new AgentError('NET_APPLY_FAILED', 'RTNETLINK answers: Device or resource busy');
    },
  };
  const h = makeHarness(snap(), {}, { reader: host, applier });
  t.teardown(h.cleanup);
  const r = req();
  const err = (await h.svc.setupNetworks(r.networks, r.bondings, {}).catch((e: unknown) => e)) as AgentError;
  t.equal(err.code, 'NET_ROLLBACK_FAILED', err.message);
  t.match(err.message, /could not restore: live devices/, 'names what could not be restored');
  t.notMatch(err.message, /rolled back/, 'never says "rolled back"');
  t.equal(applies, 2, 'the rollback was attempted');
  const [ev] = h.events.byCode('NETWORK_ROLLBACK_FAILED');
  t.equal(ev?.severity, 'critical');
  t.same(h.events.byCode('NETWORK_OPERATION_FAILED'), [], 'no "rolled back" event');
  const caps = await h.svc.getCapabilities();
  t.equal(caps.netConfigDirty, true, 'netConfigDirty');
  t.match(caps.rollbackFailed, { unrestored: [/live devices/] });
  t.same(h.svc.deps.intents.pending(), [], 'no intent left: the rollback was tried in process');
});

t.test('stop while a change waits for the manager: rolled back, and stop waits for it', async (t) => {
  const h = makeHarness(snap());
  t.teardown(h.cleanup);
  const before = live(h);
  const r = req();
  const p = h.svc.setupNetworks(r.networks, r.bondings, { connectivityCheck: true, connectivityTimeout: 60 }, undefined, '192.0.2.7').catch((e: unknown) => e as AgentError);
  while (!h.svc.pipe.hasPending()) await new Promise((res) => setImmediate(res));
  t.notSame(live(h), before, 'applied while waiting');
  let stopped = false;
  const s = h.svc.stop().then(() => (stopped = true));
  await s;
  t.ok(stopped);
  t.same(live(h), before, 'rolled back by the time stop returned');
  t.equal((await p as AgentError).code, 'NET_LOST_CONNECTION', 'the waiting caller gets a fault');
  t.same(h.svc.deps.intents.pending(), [], 'no intent left');
  t.notOk(h.svc.pipe.isBusy(), 'the network lock is free');
});
