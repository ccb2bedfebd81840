// kill -9 at every step of create_vm, clone_vm, delete_vm, delete_template and
// delete_repository, through the real agent: creates are undone whole, deletes that had begun
// are finished, the database and the files agree, and the caller's retry succeeds.
import t, { type Test } from 'tap';
import { spawnSync } from 'node:child_process';
import { CrashRig } from '../../helpers/crash-rig.js';
import { recovered } from '../../helpers/crash-checks.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const MANAGER = '0004fb0000020000ba9aaf00ae5e2d73';
const REPO = '0004fb00000300002222222222222222';
const mp = (u: string) => `/OVS/Repositories/${u}`;
const VMDIR = '/data/vms/VirtualMachines';
const PARAMS = { memory: 256, vcpus: 1, OVM_domain_type: 'hvm' };
const vmRows = (rig: CrashRig, repo: string, vm: string) => rig.query('SELECT uuid FROM vms WHERE repo_id = ? AND vm_id = ?', repo, vm);

async function createVmCase(rig: CrashRig, t: Test, vm: string, step: string): Promise<void> {
  const r = await rig.crash('create_vm', REPO, vm, PARAMS);
  t.ok(r.killed && !r.answered, `create_vm killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `vm:${REPO}/${vm}`, 'rolled-back');
  t.same(rig.list(`${VMDIR}/${vm}`), [], 'no folder or file left');
  t.same(vmRows(rig, REPO, vm), [], 'no database row');
  await rig.call('create_vm', REPO, vm, PARAMS);
  t.ok(rig.exists(`${VMDIR}/${vm}/vm.cfg`), 'the retry created the VM');
}

async function cloneCase(rig: CrashRig, t: Test, vm: string, step: string): Promise<void> {
  const before = rig.list('/data/vms/VirtualDisks');
  const r = await rig.crash('clone_vm', REPO, 'src', REPO, vm, true);
  t.ok(r.killed && !r.answered, `clone_vm killed at ${step}`);
  await rig.restart();
  recovered(rig, t, `vm:${REPO}/${vm}`, 'rolled-back');
  t.same(rig.list(`${VMDIR}/${vm}`), [], 'no folder left');
  t.same(vmRows(rig, REPO, vm), [], 'no database row');
  t.same(rig.list('/data/vms/VirtualDisks'), before, 'no copied disk and no temp file left');
  await rig.call('clone_vm', REPO, 'src', REPO, vm, true);
  t.ok(rig.exists(`${VMDIR}/${vm}/vm.cfg`), 'the retry made the clone');
  t.equal(rig.list('/data/vms/VirtualDisks').length, before.length + 1, 'with its own disk');
}

async function deleteVmCase(rig: CrashRig, t: Test, vm: string, step: string): Promise<void> {
  await rig.call('create_vm', REPO, vm, PARAMS).catch(() => undefined);
  const r = await rig.crash('delete_vm', REPO, vm);
  t.ok(r.killed && !r.answered, `delete_vm killed at ${step}`);
  await rig.restart();
  if (step === 'begin') {
    recovered(rig, t, `vm:${REPO}/${vm}`, 'rolled-back');
    t.ok(rig.exists(`${VMDIR}/${vm}/vm.cfg`), 'the VM is still there');
  } else {
    recovered(rig, t, `vm:${REPO}/${vm}`, 'rolled-forward');
    t.notOk(rig.exists(`${VMDIR}/${vm}`), 'the folder is gone');
    t.same(vmRows(rig, REPO, vm), [], 'and its row');
  }
  await rig.call('delete_vm', REPO, vm);
  t.notOk(rig.exists(`${VMDIR}/${vm}`), 'the retry answers as done and the VM is gone');
}

async function deleteTemplateCase(rig: CrashRig, t: Test, tpl: string, step: string): Promise<void> {
  await rig.call('create_template', REPO, 'src', tpl, true);
  const disks = rig.list('/data/vms/VirtualDisks').length;
  const r = await rig.crash('delete_template', REPO, tpl);
  t.ok(r.killed && !r.answered, `delete_template killed at ${step}`);
  await rig.restart();
  if (step === 'begin') {
    recovered(rig, t, `template:${REPO}/${tpl}`, 'rolled-back');
    t.ok(rig.exists(`/data/vms/Templates/${tpl}/vm.cfg`), 'the template is still there');
    t.equal(rig.list('/data/vms/VirtualDisks').length, disks, 'with its disk');
  } else {
    recovered(rig, t, `template:${REPO}/${tpl}`, 'rolled-forward');
    t.notOk(rig.exists(`/data/vms/Templates/${tpl}`), 'the template is gone');
    t.equal(rig.list('/data/vms/VirtualDisks').length, disks - 1, 'with its own disk');
  }
  await rig.call('delete_template', REPO, tpl);
  t.notOk(rig.exists(`/data/vms/Templates/${tpl}`), 'the retry answers as done');
}

async function deleteRepoCase(rig: CrashRig, t: Test, i: number, step: string): Promise<void> {
  const u = `0004fb000003000033333333333333${String(i).padStart(2, '0')}`;
  await rig.call('create_repository', `/data/d${i}`, mp(u), u, `doomed ${i}`);
  const r = await rig.crash('delete_repository', u, true);
  t.ok(r.killed && !r.answered, `delete_repository killed at ${step}`);
  await rig.restart();
  if (step === 'begin') {
    recovered(rig, t, `repository:${u}`, 'rolled-back');
    t.equal(rig.query('SELECT uuid FROM repositories WHERE uuid = ?', u).length, 1, 'still known');
    t.ok(rig.exists(`/data/d${i}/.ovsrepo`), 'untouched');
  } else {
    recovered(rig, t, `repository:${u}`, 'rolled-forward');
    t.same(rig.query('SELECT uuid FROM repositories WHERE uuid = ?', u), [], 'forgotten');
    t.notOk(rig.exists(`/data/d${i}/.ovsrepo`), 'erased');
    t.notOk(rig.exists(mp(u)), 'detached');
  }
  await rig.call('delete_repository', u, true);
  t.same(rig.query('SELECT uuid FROM repositories WHERE uuid = ?', u), [], 'the retry answers as done and the repository is gone');
}

t.setTimeout(900_000);
t.test('kill -9 at every step of the VM, template and repository-delete operations', { skip: canNetns ? false : 'needs root and ip netns' }, async (t) => {
  const rig = new CrashRig(t);
  t.teardown(() => rig.cleanup());
  await rig.start();
  await rig.call('take_ownership', MANAGER);
  await rig.call('create_repository', '/data/vms', mp(REPO), REPO, 'vms');
  await rig.call('create_virtual_disk', REPO, 'src.img', 8 * 1024 * 1024, true);
  await rig.call('create_vm', REPO, 'src', { ...PARAMS, disk: [`file:${mp(REPO)}/VirtualDisks/src.img,xvda,w`] });
  const plan: Array<[string, (t: Test) => Promise<void>]> = [];
  const del = ['begin', 'erasing', 'erased', 'detaching', 'detached', 'end'];
  const vmDel = ['begin', 'removing', 'end'];
  const clone = ['begin', 'copying-disk', 'writing-config', 'config-written', 'end'];
  // alternate kinds where possible (one agent start per case)
  del.forEach((step, i) => {
    plan.push([`repo-delete:${step}`, (tt) => deleteRepoCase(rig, tt, i, step)]);
    if (i < 3) plan.push([`vm-delete:${vmDel[i]}`, (tt) => deleteVmCase(rig, tt, `gone${i}`, vmDel[i])]);
    else plan.push([`vm-delete:${vmDel[i - 3]}`, (tt) => deleteTemplateCase(rig, tt, `tpl${i}`, vmDel[i - 3])]);
    if (i < clone.length) plan.push([`vm-create:${clone[i]}`, (tt) => cloneCase(rig, tt, `clone${i}`, clone[i])]);
  });
  plan.push(['vm-create:begin', (tt) => createVmCase(rig, tt, 'new0', 'begin')]);
  plan.push(['repo-delete:begin', (tt) => deleteRepoCase(rig, tt, 9, 'begin')]);
  plan.push(['vm-create:end', (tt) => createVmCase(rig, tt, 'new1', 'end')]);
  const cases = plan.map(([p, fn], i) => ({ p, fn, name: `${i}: ${p}` }));
  let n = 0;
  await rig.runPlan(cases.map((c) => c.p), async () => {
    const c = cases[n++];
    await t.test(c.name, (tt) => c.fn(tt));
  });
});
