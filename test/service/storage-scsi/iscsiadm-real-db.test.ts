// The iscsiadm adapter against the real iscsiadm (open-iscsi 2.1.8) with its record database
// bind-mounted from a temp dir in a private mount namespace: node and discovery records are
// written and read for real (the adapter's recordDir mode, as in sandbox mode); login and discovery fail here (no iscsid, no iscsi_tcp) and must
// fault clearly and leave no record behind. Needs root and unshare; skips otherwise.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { HostExec } from '../../../src/host/exec.js';
import { Iscsiadm } from '../../../src/host/storage/iscsiadm.js';
import { parsePortal } from '../../../src/core/storage/scsi/iscsi-names.js';
import { nodeRecordView, parseIscsiRecord } from '../../../src/core/storage/scsi/iscsiadm-output.js';
import { failure } from '../../helpers/failure.js';

function why(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (mount namespace)';
  try {
    execFileSync('sh', ['-c', 'command -v iscsiadm && command -v unshare'], { stdio: 'ignore' });
  } catch {
    return 'iscsiadm or unshare missing';
  }
  try {
    execFileSync('unshare', ['-m', 'sh', '-c', 'mount --bind "$0" "$0"', os.tmpdir()], { stdio: 'ignore' });
  } catch {
    return 'no private mount namespaces here (unshare -m / mount --bind refused)';
  }
  return undefined;
}

const skip = why();
const T = 'iqn.2026-11.test.hvi:db1';
const P = parsePortal('127.0.0.1:3264');
const CHAP = { username: 'hviuser', password: 'hvidbsecret77', targetUsername: 'hvitgt', targetPassword: 'hvidbsecret88' };

t.test('node records for real', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvi-iscsidb-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.writeFileSync(path.join(dir, 'initiatorname.iscsi'), 'InitiatorName=iqn.2026-11.test.hvi:host1\n');
  const adm = new Iscsiadm({ exec: new HostExec(), recordDir: dir, timeoutMs: 20_000 });

  t.equal(await adm.nodeRecord(T, P), undefined, 'no record yet');
  t.equal(await adm.ensureNode(T, P, CHAP), true, 'created');
  const file = path.join(dir, 'nodes', T, '127.0.0.1,3264,1', 'default');
  t.ok(fs.existsSync(file), 'iscsiadm wrote nodes/<target>/<addr,port,tpgt>/default');
  const rec = parseIscsiRecord(fs.readFileSync(file, 'utf8')).values;
  t.equal(rec.get('node.session.auth.password'), 'hvidbsecret77', 'the secret lives only in the record file');
  t.equal(rec.get('node.session.auth.password_in'), 'hvidbsecret88');
  t.match(await adm.nodeRecord(T, P), { target: T, startup: 'automatic', auth: { method: 'CHAP', username: 'hviuser', passwordSet: true, usernameIn: 'hvitgt', passwordInSet: true } });
  t.equal(await adm.ensureNode(T, P), false, 'exists: updated in place');
  t.match(await adm.nodeRecord(T, P), { auth: { method: 'None', passwordSet: false, passwordInSet: false } });
  t.same((await adm.nodes()).map((n) => n.target), [T]);

  t.equal(await adm.deleteNode(T, P), true);
  t.equal(await adm.deleteNode(T, P), false, 'twice = once');
  t.same(await adm.nodes(), []);
});

t.test('login and discovery fail clearly here and leave nothing behind', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvi-iscsidb-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const adm = new Iscsiadm({ exec: new HostExec(), recordDir: dir, timeoutMs: 20_000 });

  const e = await failure(adm.login(T, P, CHAP));
  t.equal(e.code, 'STORAGE_COMMAND_FAILED');
  t.match(e.message, /iscsid is not running: iscsiadm exit 20/);
  t.same((e.detail as { argv: string[] }).argv, ['iscsiadm', '-m', 'node', '-T', T, '-p', '127.0.0.1:3264', '--login']);
  t.notMatch(JSON.stringify({ m: e.message, d: e.detail }), /hvidbsecret/);
  t.equal(await adm.nodeRecord(T, P), undefined, 'the record the failed login created is gone');

  const d = await failure(adm.discover(P, CHAP));
  t.equal(d.code, 'STORAGE_COMMAND_FAILED');
  t.match(d.message, /iscsi_tcp kernel module is not loaded/);
  t.notOk(fs.existsSync(path.join(dir, 'send_targets', '127.0.0.1,3264')), 'no discovery record left');
  t.same(await adm.sessions(), [], 'no sessions');
  await adm.rescanSessions();
  t.equal(await adm.logout(T, P), false, 'logout with no session is a no-op');
});

t.test('a view of the record matches nodeRecordView of the fixture format', { skip }, async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvi-iscsidb-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const adm = new Iscsiadm({ exec: new HostExec(), recordDir: dir, timeoutMs: 20_000 });
  await adm.ensureNode(T, parsePortal('127.0.0.1:3264,1'), { username: 'u1', password: 'p1-secret' });
  const shown = nodeRecordView(parseIscsiRecord(fs.readFileSync(path.join(dir, 'nodes', T, '127.0.0.1,3264,1', 'default'), 'utf8')));
  t.match(shown, { target: T, tpgt: 1, portal: { host: '127.0.0.1', port: 3264 }, auth: { username: 'u1' } });
});
