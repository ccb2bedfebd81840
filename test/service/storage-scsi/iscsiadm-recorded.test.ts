// The iscsiadm adapter against recorded command sequences (open-iscsi cannot log in on this
// kernel): record writes, CHAP and mutual CHAP, idempotent login/logout, rollback of a failed
// login, portal deletion, and no secret in any fault.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { FakeExec, type ExecAnswer, type ExecCall } from '../../helpers/fake-exec.js';
import { failure } from '../../helpers/failure.js';
import { Iscsiadm } from '../../../src/host/storage/iscsiadm.js';
import { parsePortal } from '../../../src/core/storage/scsi/iscsi-names.js';

const fx = (n: string): string => fs.readFileSync(path.resolve(import.meta.dirname, '../../fixtures/scsi/iscsiadm', n), 'utf8');
const T = 'iqn.2026-11.test.hvi:pool1';
const P = parsePortal('127.0.0.1:3262');
const CHAP = { username: 'hviuser', password: 'hvisecret123', targetUsername: 'hvitgt', targetPassword: 'hvitgtsecret45' };
const NO_RECORDS = { code: 21, stderr: 'iscsiadm: No records found\n' };
const NO_SESSIONS = { code: 21, stderr: fx('session-none.txt') };

/** A scripted iscsiadm: node records and sessions in memory, answers as recorded. */
function scriptedIscsiadm(state: { node: boolean; session: boolean; loginAnswer?: { code: number; stderr: string } }) {
  return new FakeExec(iscsiadmAnswers(state));
}

function iscsiadmAnswers(state: { node: boolean; session: boolean; loginAnswer?: { code: number; stderr: string } }) {
  return (c: ExecCall): ExecAnswer => {
    const a = c.argv.join(' ');
    if (a === 'iscsiadm -m session') return state.session ? { stdout: `tcp: [3] 127.0.0.1:3262,1 ${T} (non-flash)\n` } : NO_SESSIONS;
    if (a.endsWith('-o show') || a.endsWith('-o show -S')) return state.node ? { stdout: fx('node-show.txt') } : NO_RECORDS;
    if (a.includes('-o new')) {
      state.node = true;
      return { stdout: 'New iSCSI node added\n' };
    }
    if (a.includes('-o update')) return state.node ? {} : NO_RECORDS;
    if (a.endsWith('-o delete')) {
      if (!state.node) return NO_RECORDS;
      state.node = false;
      return {};
    }
    if (a.endsWith('--login')) {
      if (state.loginAnswer) return state.loginAnswer;
      state.session = true;
      return { stdout: `Logging in to [iface: default, target: ${T}, portal: 127.0.0.1,3262]\nLogin to [iface: default, target: ${T}, portal: 127.0.0.1,3262] successful.\n` };
    }
    if (a.endsWith('--logout')) {
      if (!state.session) return { code: 21, stderr: fx('logout-no-session.txt') };
      state.session = false;
      return {};
    }
    if (a === 'iscsiadm -m session --rescan') return state.session ? {} : { code: 21, stderr: 'iscsiadm: No session found.\n' };
    return { code: 7, stderr: `unexpected: ${a}` };
  };
}

t.test('login with mutual CHAP: the node record is written the way iscsiadm does, then one login', async (t) => {
  const state = { node: false, session: false };
  const exec = scriptedIscsiadm(state);
  const adm = new Iscsiadm({ exec, timeoutMs: 5000 });
  t.equal(await adm.login(T, P, CHAP), 'logged-in');
  t.same(exec.calls.map((c) => c.argv.slice(1).join(' ')), [
    '-m session',
    `-m node -T ${T} -p 127.0.0.1:3262 -o show -S`,
    `-m node -T ${T} -p 127.0.0.1:3262 -o show`,
    `-m node -o new -T ${T} -p 127.0.0.1:3262,1`,
    `-m node -T ${T} -p 127.0.0.1:3262 -o update -n node.session.auth.authmethod -v CHAP`,
    `-m node -T ${T} -p 127.0.0.1:3262 -o update -n node.session.auth.username -v hviuser`,
    `-m node -T ${T} -p 127.0.0.1:3262 -o update -n node.session.auth.password -v hvisecret123`,
    `-m node -T ${T} -p 127.0.0.1:3262 -o update -n node.session.auth.username_in -v hvitgt`,
    `-m node -T ${T} -p 127.0.0.1:3262 -o update -n node.session.auth.password_in -v hvitgtsecret45`,
    `-m node -T ${T} -p 127.0.0.1:3262 -o update -n node.startup -v automatic`,
    `-m node -T ${T} -p 127.0.0.1:3262 --login`,
  ]);
  t.ok(state.session);
  exec.calls.length = 0;
  t.equal(await adm.login(T, P, CHAP), 'already', 'twice = once');
  t.same(exec.calls.map((c) => c.argv.slice(1).join(' ')), ['-m session']);
});

t.test('login without CHAP sets authmethod None and clears the credentials', async (t) => {
  const exec = scriptedIscsiadm({ node: true, session: false });
  await new Iscsiadm({ exec }).login(T, P);
  const updates = exec.calls.map((c) => c.argv.join(' ')).filter((a) => a.includes('auth.'));
  t.same(updates.map((a) => a.replace(/.*-n /, '')), ['node.session.auth.authmethod -v None', 'node.session.auth.username -v ', 'node.session.auth.password -v ', 'node.session.auth.username_in -v ', 'node.session.auth.password_in -v ']);
});

t.test('a refused login (rc 24) deletes the record it created; the fault names no secret', async (t) => {
  const state = { node: false, session: false, loginAnswer: { code: 24, stderr: 'iscsiadm: Login failed to authenticate with target (hvisecret123)\n' } };
  const exec = scriptedIscsiadm(state);
  const e = await failure(new Iscsiadm({ exec }).login(T, P, CHAP));
  t.equal(e.code, 'STORAGE_AUTH_FAILED');
  t.notOk(state.node, 'the node record this call created is gone');
  t.equal(exec.calls.at(-1)!.argv.slice(1).join(' '), `-m node -T ${T} -p 127.0.0.1:3262 -o delete`);
  const all = JSON.stringify({ m: e.message, d: e.detail });
  t.notMatch(all, /hvisecret123|hvitgtsecret45/);
  t.match(e.message, /\*\*\*/, 'the secret echoed by the tool is blanked');
});

t.test('a failed login on an existing record puts its old credentials back', async (t) => {
  const state = { node: true, session: false, loginAnswer: { code: 20, stderr: fx('login-no-iscsid.txt') } };
  const answer = iscsiadmAnswers(state);
  const exec2 = new FakeExec((c) => (c.argv.join(' ').endsWith('-o show -S') ? { stdout: fx('node-show-S.txt').replace('= hvisecret123', '= oldsecret') } : answer(c)));
  const e = await failure(new Iscsiadm({ exec: exec2 }).login(T, P, { username: 'newuser', password: 'newsecret99' }));
  t.equal(e.code, 'STORAGE_COMMAND_FAILED');
  t.match(e.message, /iscsid is not running/);
  const restores = exec2.calls.map((c) => c.argv.join(' ')).filter((a) => a.includes('-o update')).slice(-5);
  t.same(restores.map((a) => a.replace(/.*-n /, '')), [
    'node.session.auth.authmethod -v CHAP',
    'node.session.auth.username -v hviuser',
    'node.session.auth.password -v oldsecret',
    'node.session.auth.username_in -v hvitgt',
    'node.session.auth.password_in -v hvitgtsecret45',
  ]);
  t.ok(state.node, 'the existing record stays');
  t.notMatch(JSON.stringify({ m: e.message, d: e.detail }), /newsecret99|oldsecret/);
});

t.test('logout and delete are idempotent', async (t) => {
  const state = { node: true, session: true };
  const adm = new Iscsiadm({ exec: scriptedIscsiadm(state) });
  t.equal(await adm.logout(T, P), true);
  t.equal(await adm.logout(T, P), false, 'no session: nothing to do');
  t.equal(await adm.deleteNode(T, P), true);
  t.equal(await adm.deleteNode(T, P), false, 'no record: nothing to do');
  await adm.rescanSessions();
});

t.test('bounded: a hung iscsiadm is a clear fault, not a hang', async (t) => {
  const hung = { run: () => Promise.reject(new Error('iscsiadm -m session failed (exit 128) (timed out after 50 ms)')) };
  const e = await failure(new Iscsiadm({ exec: hung, timeoutMs: 50 }).sessions());
  t.equal(e.code, 'STORAGE_SERVER_UNREACHABLE');
  t.match(e.message, /timed out after 50 ms/);
});

t.test('discover logs in with the portal group tag the target advertises', async (t) => {
  const { IscsiArray } = await import('../../../src/services/storage/plugins/scsi/iscsi-array.js');
  const { SysrootFs } = await import('../../../src/host/host-fs.js');
  const os = await import('node:os');
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'hvi-tpgt-'));
  t.teardown(() => fs.rmSync(root, { recursive: true, force: true }));
  fs.mkdirSync(path.join(root, 'etc/iscsi'), { recursive: true });
  fs.writeFileSync(path.join(root, 'etc/iscsi/initiatorname.iscsi'), 'InitiatorName=iqn.2026-11.test.hvi:host1\n');
  const answer = iscsiadmAnswers({ node: false, session: false });
  const exec = new FakeExec((c) => (c.argv[0] === 'iscsi-ls' ? { stdout: `Target:${T} Portal:10.0.0.5:3260,7\nTarget:${T} Portal:10.9.9.9:3260,8\n` } : c.argv[0] === 'iscsiadm' ? answer(c) : {}));
  await new IscsiArray({ exec, fs: new SysrootFs(root), timeoutMs: 5000 }).loginAll([parsePortal('10.0.0.5')]);
  const adm = exec.calls.map((c) => c.argv.join(' '));
  t.ok(adm.includes(`iscsiadm -m node -o new -T ${T} -p 10.0.0.5:3260,7`));
  t.ok(adm.includes(`iscsiadm -m node -T ${T} -p 10.0.0.5:3260 --login`));
  t.notOk(adm.some((a) => a.includes('10.9.9.9')), 'an advertised portal the manager did not give is not logged in to');
  t.equal(exec.calls.find((c) => c.argv[0] === 'iscsi-ls')?.argv.join(' '), 'iscsi-ls -i iqn.2026-11.test.hvi:host1 iscsi://10.0.0.5:3260');
});
