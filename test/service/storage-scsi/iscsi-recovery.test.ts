// storage_iSCSI_logoutTarget / deletePortal on the intent journal, against a scripted iscsiadm:
// each step is recorded before its effect, and an intent a crash left is finished at start
// (a node record left behind would log the host in again at boot).
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeKit } from '../../helpers/service-kit.js';
import { FakeExec, type ExecAnswer, type ExecCall } from '../../helpers/fake-exec.js';
import { createGenericScsiPlugin } from '../../../src/services/storage/plugins/scsi/generic-scsi-plugin.js';
import type { PluginContext } from '../../../src/core/storage/plugin.js';

const T = 'iqn.2026-11.test.h8:lun1';
const P = '127.0.0.1:3262';
const NONE = { code: 21, stderr: 'iscsiadm: No records found\n' };

function setup(t: { teardown(fn: () => void): void }, state: { session: boolean; node: boolean; discovery: boolean }) {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  fs.mkdirSync(path.join(kit.sysroot, 'dev/disk/by-path'), { recursive: true });
  const steps: string[] = [];
  const answer = (c: ExecCall): ExecAnswer => {
    const a = c.argv.join(' ');
    const effect = (what: string) => steps.push(`${what} @${kit.intents.pending()[0]?.step ?? 'no intent'}`);
    if (a === 'iscsiadm -m session') return state.session ? { stdout: `tcp: [3] ${P},1 ${T} (non-flash)\n` } : { code: 21, stderr: 'iscsiadm: No active sessions.\n' };
    if (a === 'iscsiadm -m node') return state.node ? { stdout: `${P},1 ${T}\n` } : NONE;
    if (a.endsWith('--logout')) {
      effect('logout');
      state.session = false;
      return {};
    }
    if (a.startsWith('iscsiadm -m node') && a.endsWith('-o delete')) {
      effect('delete node');
      if (!state.node) return NONE;
      state.node = false;
      return {};
    }
    if (a.startsWith('iscsiadm -m discoverydb') && a.endsWith('-o delete')) {
      effect('delete discovery');
      if (!state.discovery) return NONE;
      state.discovery = false;
      return {};
    }
    return { code: 7, stderr: `unexpected: ${a}` };
  };
  const exec = new FakeExec(answer);
  const plugin = createGenericScsiPlugin({ exec, fs: kit.fs, intents: kit.intents });
  const ctx: PluginContext = { impl: 'scsi', op: 'x', callId: 't', log: kit.log, signal: new AbortController().signal, progress: () => {}, commandTimeoutMs: 1000 };
  return { kit, plugin, ctx, steps, exec };
}

t.test('logoutTarget: logout after the step "logging-out", node deletion after "deleting"; no intent after', async (t) => {
  const state = { session: true, node: true, discovery: true };
  const { plugin, ctx, steps, kit } = setup(t, state);
  await plugin.iscsiLogoutTarget!(ctx, T, P);
  t.same(steps, ['logout @logging-out', 'delete node @deleting']);
  t.same(kit.intents.pending(), []);
  t.same(state, { session: false, node: false, discovery: true });
});

t.test('logoutTarget cut short after the logout: the node record is deleted at start', async (t) => {
  const state = { session: false, node: true, discovery: true };
  const { kit, steps } = setup(t, state);
  kit.intents.begin('iscsi-forget', `iscsi:${P}`, { portal: P, target: T }).step('deleting');
  const [r] = await kit.intents.recoverAll();
  t.match(r, { outcome: 'rolled-forward', detail: new RegExp(`logged out of ${T}`) });
  t.same(state.node, false, 'the node record is gone: no login at boot');
  t.same(steps.map((s) => s.split(' @')[0]), ['delete node'], 'no logout without a session');
  t.same(kit.intents.pending(), []);
});

t.test('logoutTarget cut short before any change: kept, nothing run', async (t) => {
  const state = { session: true, node: true, discovery: true };
  const { kit, exec } = setup(t, state);
  kit.intents.begin('iscsi-forget', `iscsi:${P}`, { portal: P, target: T });
  t.match(await kit.intents.recoverAll(), [{ outcome: 'rolled-back' }]);
  t.same(exec.calls, []);
  t.same(state, { session: true, node: true, discovery: true });
});

t.test('deletePortal cut short while logging out: sessions, node records and discovery are finished', async (t) => {
  const state = { session: true, node: true, discovery: true };
  const { kit } = setup(t, state);
  kit.intents.begin('iscsi-forget', `iscsi:${P}`, { portal: P }).step('logging-out');
  const [r] = await kit.intents.recoverAll();
  t.match(r, { outcome: 'rolled-forward', detail: `forgot portal ${P}` });
  t.same(state, { session: false, node: false, discovery: false });
});
