// `ha.fence: reboot` against recorded commands (nothing is ever reset): the plan, the order of
// the reset commands, the fallback when one fails, and the refusal when the agent may not reset.
import t from 'tap';
import pino from 'pino';
import { rebootFencePlan } from '../../../src/core/ha/reboot-fence.js';
import { rebootFence } from '../../../src/services/ha/ha-reboot.js';
import { FakeExec, type ExecCall } from '../../helpers/fake-exec.js';

const log = pino({ level: 'silent' });
const recorded = (calls: ExecCall[]) => calls.map((c) => [c.argv.join(' '), c.input ?? null]);

t.test('plan: sysrq reset first, then systemctl with --force twice; nothing when not allowed', async (t) => {
  const p = rebootFencePlan({ allowShutdown: true });
  t.same(p.steps.map((s) => [s.argv.join(' '), s.input ?? null]), [
    ['tee /proc/sysrq-trigger', 'b'],
    ['systemctl reboot --force --force', null],
  ]);
  t.equal(p.refused, undefined);
  const no = rebootFencePlan({ allowShutdown: false });
  t.same(no.steps, []);
  t.match(no.refused, /power\.allowShutdown/);
});

t.test('the first command that works is the last one run', async (t) => {
  const exec = new FakeExec();
  t.equal(await rebootFence({ exec, log, allowShutdown: () => true })(), true);
  t.same(recorded(exec.calls), [['tee /proc/sysrq-trigger', 'b']], 'one write of b to the sysrq trigger, no sync before it');
});

t.test('sysrq refused (no sysrq in this kernel): systemctl --force --force', async (t) => {
  const exec = new FakeExec(({ argv }) => (argv[0] === 'tee' ? { code: 1, stderr: 'tee: /proc/sysrq-trigger: Permission denied' } : undefined));
  t.equal(await rebootFence({ exec, log, allowShutdown: () => true })(), true);
  t.same(recorded(exec.calls), [['tee /proc/sysrq-trigger', 'b'], ['systemctl reboot --force --force', null]]);
});

t.test('every reset command fails: false, so the caller stops its HA VMs', async (t) => {
  const exec = new FakeExec(() => ({ code: 1, stderr: 'no' }));
  t.equal(await rebootFence({ exec, log, allowShutdown: () => true })(), false);
  t.equal(exec.calls.length, 2);
});

t.test('not allowed (power.allowShutdown off, or a sandbox): no command at all, false', async (t) => {
  const exec = new FakeExec();
  t.equal(await rebootFence({ exec, log, allowShutdown: () => false })(), false);
  t.same(exec.calls, []);
});
