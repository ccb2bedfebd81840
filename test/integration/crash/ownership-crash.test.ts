// take_ownership writes the owner, its URLs and its event in one transaction: killed in the
// middle of it (kill -9, through the real agent), the restarted host is not owned, has no half
// of the record and no event, and the manager's retry takes it.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { CrashRig } from '../../helpers/crash-rig.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const MANAGER = '0004fb0000020000ba9aaf00ae5e2d73';

t.setTimeout(300_000);
t.test('kill -9 inside take_ownership: all of it or none', { skip: canNetns ? false : 'needs root and ip netns' }, async (t) => {
  const rig = new CrashRig(t);
  t.teardown(() => rig.cleanup());
  await rig.runPlan(['ownership:write'], async () => {
    const r = await rig.crash('take_ownership', { manager_uuid: MANAGER, manager_event_url: 'http://127.0.0.1:9/e', manager_statistic_url: 'http://127.0.0.1:9/s' });
    t.ok(r.killed && !r.answered, 'take_ownership killed inside its transaction');
    await rig.restart();
    t.same(rig.query("SELECT key FROM host_state WHERE key LIKE 'manager.%'"), [], 'no part of the owner record landed');
    t.same(rig.query("SELECT code FROM events WHERE code = 'OWNERSHIP_TAKEN'"), [], 'and no event');
    t.match(await rig.call('discover_server'), /<Membership_State>Unowned<\/Membership_State>/);
    t.equal(await rig.call('take_ownership', MANAGER), null, 'the retry takes the host');
    t.equal(rig.query("SELECT value FROM host_state WHERE key = 'manager.uuid'").length, 1);
  });
});
