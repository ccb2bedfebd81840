// The generic SCSI plugin against a real tgtd on 127.0.0.1:3263 (file-backed LUNs, CHAP and
// mutual CHAP): SendTargets discovery, LUN listing (size, vendor, product, serial, page 83)
// through libiscsi for real, authentication failures, a dead portal; iscsiadm login/logout
// through recorded answers (no kernel initiator here), with udev's by-path links faked.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { HostExec, type Exec, type ExecOptions } from '../../../src/host/exec.js';
import { SysrootFs } from '../../../src/host/host-fs.js';
import { ssRecordSchema } from '../../../src/core/storage/records.js';
import type { IsaPlugin } from '../../../src/core/storage/plugin.js';
import { createGenericScsiPlugin } from '../../../src/services/storage/plugins/scsi/generic-scsi-plugin.js';
import { FakeExec, type ExecCall } from '../../helpers/fake-exec.js';
import { failure } from '../../helpers/failure.js';
import { capturedLog, pluginCtx } from '../../helpers/scsi-plugin-ctx.js';
import { startTgtd, tgtdAvailable, type Tgtd } from '../../helpers/tgtd-harness.js';

const PORT = 3263;
const T = 'iqn.2026-11.test.hvi:plugin1';
const HOST_IQN = 'iqn.2026-11.test.hvi:host1';
const SECRETS = /hviplugsecret1|hviplugsecret2|wrongsecret9/;
const skip = await tgtdAvailable();

const ss = (extra: Record<string, unknown> = {}) =>
  ssRecordSchema.parse({ uuid: '0004fb00000900000a1b2c3d4e5f6a7b', name: 'tgtd', access_host: `127.0.0.1:${PORT}`, storage_type: 'iSCSI', chap_username: 'hviuser', chap_password: 'hviplugsecret1', ...extra });

t.test('real tgtd', { skip }, async (t) => {
  const sysroot = fs.mkdtempSync(path.join(os.tmpdir(), 'hvi-sysroot-'));
  fs.mkdirSync(path.join(sysroot, 'etc/iscsi'), { recursive: true });
  fs.writeFileSync(path.join(sysroot, 'etc/iscsi/initiatorname.iscsi'), `InitiatorName=${HOST_IQN}\n`);
  let tgt: Tgtd | undefined;
  t.teardown(async () => {
    await tgt?.stop();
    fs.rmSync(sysroot, { recursive: true, force: true });
  });
  tgt = await startTgtd({
    port: PORT,
    target: T,
    luns: [{ sizeMiB: 64, serial: 'HVI0001', scsiId: 'hvi-lun1', vendor: 'HVI', product: 'TESTDISK' }, { sizeMiB: 32 }],
    chap: { username: 'hviuser', password: 'hviplugsecret1' },
    mutual: { username: 'hvitgt', password: 'hviplugsecret2' },
  });

  // iscsi-* run for real; iscsiadm and multipath answer as recorded (login makes udev's links).
  const real = new HostExec();
  let session = false;
  const scripted = new FakeExec((c: ExecCall) => {
    const a = c.argv.join(' ');
    if (a === 'iscsiadm -m session') return session ? { stdout: `tcp: [1] 127.0.0.1:${PORT},1 ${T} (non-flash)\n` } : { code: 21, stderr: 'iscsiadm: No active sessions.\n' };
    if (a.endsWith('-o show -S') || a.endsWith('-o show')) return { code: 21, stderr: 'iscsiadm: No records found\n' };
    if (a.endsWith('--login')) {
      session = true;
      const dir = path.join(sysroot, 'dev/disk/by-path');
      fs.mkdirSync(dir, { recursive: true });
      fs.symlinkSync('../../sdx', path.join(dir, `ip-127.0.0.1:${PORT}-iscsi-${T}-lun-1`));
      fs.symlinkSync('../../sdy', path.join(dir, `ip-127.0.0.1:${PORT}-iscsi-${T}-lun-2`));
      return {};
    }
    if (a.endsWith('--logout')) {
      session = false;
      return {};
    }
    if (a === 'multipath -ll') return { stdout: 'mpathc (1hvi-lun1) dm-5 HVI,TESTDISK\nsize=64M features=\'0\' hwhandler=\'0\' wp=rw\n`-+- policy=\'service-time 0\' prio=1 status=active\n  `- 7:0:0:1 sdx 8:112 active ready running\n' };
    if (c.argv[0] === 'iscsiadm') return {};
    return { code: 127, stderr: `unexpected ${a}` };
  });
  const exec: Exec = { run: (argv: readonly string[], o?: ExecOptions) => (argv[0].startsWith('iscsi-') ? real.run(argv, o) : scripted.run(argv, o)) };
  const plugin: IsaPlugin = createGenericScsiPlugin({ exec, fs: new SysrootFs(sysroot) });
  const log = capturedLog();
  const ctx = (op: string) => pluginCtx(op, log, 10_000);

  await t.test('validate and getInfo: the array with its LUNs and the host initiator as access group', async (t) => {
    const info = await plugin.validate!(ctx('validate'), ss());
    t.match(info, { uuid: '0004fb00000900000a1b2c3d4e5f6a7b', storage_type: 'iSCSI', access_host: `127.0.0.1:${PORT}`, status: 'online', total_sz: 96 * 1024 * 1024, access_grps: [HOST_IQN] });
    t.same(await plugin.getStorageNames!(ctx('getStorageNames'), ss()), [T]);
    t.same(await plugin.getAccessGroups!(ctx('getAccessGroups'), ss(), undefined), [{ name: HOST_IQN, grp_entries: [HOST_IQN] }]);
  });

  await t.test('list: size, vendor, product, serial and page-83 id read from the target', async (t) => {
    const luns = await plugin.list!(ctx('list'), ss(), undefined);
    t.same(luns.map((l) => [l.lun, l.size, l.vendor, l.product, l.serial, l.page83_id, l.status, l.device_path]), [
      [1, 64 * 1024 * 1024, 'HVI', 'TESTDISK', 'HVI0001', '1hvi-lun1', 'not-logged-in', ''],
      [2, 32 * 1024 * 1024, 'IET', 'VIRTUAL-DISK', 'beaf12', '1IET_00010002', 'not-logged-in', ''],
    ]);
    const one = await plugin.getInfo!(ctx('getInfo'), ss(), { page83_id: '1hvi-lun1' } as never);
    t.match(one, { lun: 1, serial: 'HVI0001' });
    const e = await failure(plugin.getInfo!(ctx('getInfo'), ss(), { page83_id: '1nope' } as never));
    t.equal(e.code, 'STORAGE_TARGET_NOT_FOUND');
  });

  await t.test('mutual CHAP: right target secret works, a wrong one is refused', async (t) => {
    const good = await plugin.list!(ctx('list'), ss({ mutual_chap_username: 'hvitgt', mutual_chap_password: 'hviplugsecret2' }), undefined);
    t.equal(good.length, 2);
    const e = await failure(plugin.list!(ctx('list'), ss({ mutual_chap_username: 'hvitgt', mutual_chap_password: 'wrongsecret9' }), undefined));
    t.equal(e.code, 'STORAGE_AUTH_FAILED');
    t.match(e.message, /mutual CHAP/);
    t.notMatch(JSON.stringify({ m: e.message, d: e.detail }), SECRETS);
  });

  await t.test('authentication failures', async (t) => {
    const wrong = await failure(plugin.validate!(ctx('validate'), ss({ chap_password: 'wrongsecret9' })));
    t.equal(wrong.code, 'STORAGE_AUTH_FAILED');
    t.match(wrong.message, /refused the CHAP credentials/);
    t.notMatch(JSON.stringify({ m: wrong.message, d: wrong.detail }), SECRETS);
    const none = await failure(plugin.validate!(ctx('validate'), ss({ chap_username: undefined, chap_password: undefined })));
    t.equal(none.code, 'STORAGE_CREDENTIALS_MISSING');
    t.match(none.message, /requires CHAP/);
    const half = await failure(plugin.validate!(ctx('validate'), ss({ chap_password: '' })));
    t.equal(half.code, 'STORAGE_CREDENTIALS_MISSING');
    t.match(half.message, /ss_record\.chap_password/);
  });

  await t.test('discover logs in through iscsiadm, then LUNs resolve to by-path and multipath devices', async (t) => {
    scripted.calls.length = 0;
    const luns = await plugin.discover!(ctx('discover'), ss());
    const adm = scripted.calls.map((c) => c.argv.join(' ')).filter((a) => a.startsWith('iscsiadm'));
    t.ok(adm.includes(`iscsiadm -m node -T ${T} -p 127.0.0.1:${PORT} --login`), 'one login');
    t.ok(adm.includes(`iscsiadm -m node -o new -T ${T} -p 127.0.0.1:${PORT},1`), 'the node record carries the portal group tag the target advertised');
    t.ok(adm.includes('iscsiadm -m session --rescan'));
    t.ok(scripted.calls.some((c) => c.argv[0] === 'udevadm' && c.argv[1] === 'settle'), 'waits (bounded) for udev');
    t.ok(adm.includes(`iscsiadm -m node -T ${T} -p 127.0.0.1:${PORT} -o update -n node.session.auth.password -v hviplugsecret1`), 'the secret goes to iscsiadm only');
    t.match(luns[0], { lun: 1, status: 'online', device_path: '/dev/mapper/mpathc', paths: [{ device: 'sdx', state: 'active ready running', by_path: `/dev/disk/by-path/ip-127.0.0.1:${PORT}-iscsi-${T}-lun-1` }] });
    t.match(luns[1], { lun: 2, status: 'online', device_path: '/dev/sdy', access_path: `/dev/disk/by-path/ip-127.0.0.1:${PORT}-iscsi-${T}-lun-2` });
    scripted.calls.length = 0;
    await plugin.discover!(ctx('discover'), ss());
    t.notOk(scripted.calls.some((c) => c.argv.includes('--login')), 'twice = once: no second login');
  });

  await t.test('a LUN in use (its multipath map mounted) is never logged out', async (t) => {
    fs.mkdirSync(path.join(sysroot, 'sys/block/sdx/holders/dm-5'), { recursive: true });
    fs.mkdirSync(path.join(sysroot, 'sys/block/dm-5/dm'), { recursive: true });
    fs.writeFileSync(path.join(sysroot, 'sys/block/dm-5/dm/name'), 'mpathc\n');
    fs.mkdirSync(path.join(sysroot, 'proc/self'), { recursive: true });
    fs.writeFileSync(path.join(sysroot, 'proc/self/mounts'), '/dev/vda1 / ext4 rw 0 0\n/dev/mapper/mpathc /OVS/Repositories/my\\040repo ocfs2 rw 0 0\n');
    scripted.calls.length = 0;
    for (const call of [() => plugin.iscsiLogoutTarget!(ctx('iscsiLogoutTarget'), T, `127.0.0.1:${PORT}`), () => plugin.iscsiDeletePortal!(ctx('iscsiDeletePortal'), `127.0.0.1:${PORT}`)]) {
      const e = await failure(call());
      t.equal(e.code, 'STORAGE_DEVICE_IN_USE');
      t.match(e.message, /\/dev\/mapper\/mpathc is mounted on \/OVS\/Repositories\/my repo/);
    }
    t.notOk(scripted.calls.some((c) => c.argv.includes('--logout') || c.argv.includes('delete')), 'nothing logged out or deleted');
    fs.writeFileSync(path.join(sysroot, 'proc/self/mounts'), '/dev/vda1 / ext4 rw 0 0\n');
    fs.mkdirSync(path.join(sysroot, 'sys/block/dm-5/holders/dm-9'), { recursive: true });
    t.match(await failure(plugin.iscsiLogoutTarget!(ctx('iscsiLogoutTarget'), T, `127.0.0.1:${PORT}`)), { code: 'STORAGE_DEVICE_IN_USE', message: /mpathc is held by dm-9/ });
    fs.rmSync(path.join(sysroot, 'sys/block/dm-5/holders'), { recursive: true });
  });

  await t.test('logoutTarget and deletePortal; bad input runs nothing', async (t) => {
    scripted.calls.length = 0;
    for (const [target, portal] of [['not-an-iqn', `127.0.0.1:${PORT}`], [T, '127.0.0.1:99999'], [T, '../x'], ['', '']]) {
      const e = await failure(plugin.iscsiLogoutTarget!(ctx('iscsiLogoutTarget'), target, portal));
      t.equal(e.code, 'STORAGE_INVALID', `${target} ${portal}`);
      t.match(e.message, /^(target|portal):/);
    }
    t.equal((await failure(plugin.iscsiDeletePortal!(ctx('iscsiDeletePortal'), 'x y'))).code, 'STORAGE_INVALID');
    t.same(scripted.calls, [], 'nothing ran');
    t.equal(await plugin.iscsiLogoutTarget!(ctx('iscsiLogoutTarget'), T, `127.0.0.1:${PORT}`), null);
    t.ok(scripted.calls.some((c) => c.argv.join(' ') === `iscsiadm -m node -T ${T} -p 127.0.0.1:${PORT} --logout`));
    t.ok(scripted.calls.some((c) => c.argv.join(' ') === `iscsiadm -m node -T ${T} -p 127.0.0.1:${PORT} -o delete`));
    scripted.calls.length = 0;
    t.equal(await plugin.iscsiLogoutTarget!(ctx('iscsiLogoutTarget'), T, `127.0.0.1:${PORT}`), null, 'twice = once');
    t.notOk(scripted.calls.some((c) => c.argv.includes('--logout')), 'no session: no logout run');
    t.equal(await plugin.iscsiDeletePortal!(ctx('iscsiDeletePortal'), `127.0.0.1:${PORT}`), null);
    t.ok(scripted.calls.some((c) => c.argv.join(' ') === `iscsiadm -m discoverydb -t sendtargets -p 127.0.0.1:${PORT} -o delete`));
  });

  await t.test('a dead portal and a stopped server give a bounded, clear fault', async (t) => {
    const dead = await failure(plugin.validate!(ctx('validate'), ss({ access_host: '127.0.0.1:3269' })));
    t.equal(dead.code, 'STORAGE_SERVER_UNREACHABLE');
    await tgt!.stop();
    tgt = undefined;
    const stopped = await failure(plugin.list!(ctx('list'), ss(), undefined));
    t.equal(stopped.code, 'STORAGE_SERVER_UNREACHABLE');
    t.match(stopped.message, /127\.0\.0\.1:3263/);
  });

  t.notMatch(log.lines.join('\n'), SECRETS, 'no secret in any plugin log line');
});

t.test('a portal that accepts but never answers: the command bound turns it into a clear fault', { skip }, async (t) => {
  const net = await import('node:net');
  const held: import('node:net').Socket[] = [];
  const server = net.createServer((s) => void held.push(s)); // accepts, says nothing
  await new Promise<void>((r) => server.listen(3267, '127.0.0.1', () => r()));
  t.teardown(() => {
    for (const s of held) s.destroy();
    server.close();
  });
  const sysroot = fs.mkdtempSync(path.join(os.tmpdir(), 'hvi-sysroot-'));
  t.teardown(() => fs.rmSync(sysroot, { recursive: true, force: true }));
  fs.mkdirSync(path.join(sysroot, 'etc/iscsi'), { recursive: true });
  fs.writeFileSync(path.join(sysroot, 'etc/iscsi/initiatorname.iscsi'), `InitiatorName=${HOST_IQN}\n`);
  const plugin = createGenericScsiPlugin({ exec: new HostExec(), fs: new SysrootFs(sysroot) });
  const e = await failure(plugin.list!(pluginCtx('list', capturedLog(), 1000), ss({ access_host: '127.0.0.1:3267' }), undefined));
  t.equal(e.code, 'STORAGE_SERVER_UNREACHABLE');
  t.match(e.message, /timed out after 1000 ms/);
  t.notMatch(e.message, SECRETS);
});
