// The intent journal: written before the first effect, removed after the last; a failed call
// runs the same recovery as a crash; a recovery that fails keeps the intent and says so; a
// delete finished by recovery answers its retry once. Plus the start-up sweep of temp files.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { makeKit } from '../helpers/service-kit.js';
import { Intents } from '../../src/services/intents/intents.js';
import { sweepRepoTemps } from '../../src/services/repo/repo-sweep.js';
import { registerTemplateImportRecovery } from '../../src/services/repo/repo-imports.js';

t.test('run: removed after success; on failure the recovery undoes at once', async (t) => {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  const undone: string[] = [];
  kit.intents.register<{ what: string }>('demo', async (p, step) => {
    undone.push(`${p.what}@${step}`);
    return { outcome: 'rolled-back' };
  });
  await kit.intents.run('demo', 'k1', { what: 'a' }, async (i) => {
    t.equal(kit.intents.pending().length, 1, 'recorded before the first effect');
    i.step('half', { what: 'b' });
    t.match(kit.intents.pending()[0], { step: 'half', payload: { what: 'b' } }, 'step and payload written');
  });
  t.same(kit.intents.pending(), [], 'removed after the last effect');
  await t.rejects(
    kit.intents.run('demo', 'k2', { what: 'c' }, async (i) => {
      i.step('effect');
      throw new Error('boom');
    }),
    /boom/,
  );
  t.same(undone, ['c@effect'], 'the failed call was undone by the recovery');
  t.same(kit.intents.pending(), []);
  t.same(kit.db.prepare('SELECT code FROM events').all(), [], 'a failed call raises no recovery event (its fault says it)');
});

t.test('recoverAll: outcome events, failures kept, unknown kinds kept, kinds filter', async (t) => {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  for (const k of ['fwd', 'broken', 'mystery']) kit.intents.register(k, async () => ({ outcome: 'nothing-to-do' }));
  const a = kit.intents.begin('fwd', 'x', {});
  a.step('late');
  kit.intents.begin('broken', 'y', {});
  kit.intents.begin('mystery', 'z', {});
  // a new Intents over the same database: the agent after a crash
  const after = new Intents({ db: kit.db, events: kit.events, log: kit.log });
  after.register('fwd', async () => ({ outcome: 'rolled-forward', detail: 'finished' }));
  after.register('broken', async () => {
    throw new Error('disk on fire');
  });
  t.same(await after.recoverAll({ kinds: ['nothing'] }), [], 'kinds filter');
  const r = await after.recoverAll();
  t.match(r, [
    { kind: 'fwd', step: 'late', outcome: 'rolled-forward' },
    { kind: 'broken', outcome: 'failed', detail: /disk on fire/ },
    { kind: 'mystery', outcome: 'failed', detail: /no recovery/ },
  ]);
  t.same(after.pending().map((p) => p.kind), ['broken', 'mystery'], 'what could not be put right stays for the next start');
  const codes = kit.db.prepare('SELECT code, severity FROM events ORDER BY id').all();
  t.same(codes, [
    { code: 'INTENT_RECOVERED', severity: 'warning' },
    { code: 'INTENT_RECOVERY_FAILED', severity: 'error' },
    { code: 'INTENT_RECOVERY_FAILED', severity: 'error' },
  ]);
  const gone = new Error('not found');
  t.doesNotThrow(() => after.retriedDelete('fwd', 'x', gone), 'a retry of the finished change answers as done');
  t.throws(() => after.retriedDelete('fwd', 'x', gone), gone, 'once: then "not found" again');
  t.throws(() => after.retriedDelete('broken', 'y', gone), gone, 'a change recovery did not finish is not found');
});

t.test('import_template cut short: staging and a half-placed template folder are removed', async (t) => {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  registerTemplateImportRecovery(kit);
  const staging = '/OVS/Repositories/r1/Templates/.import-abc';
  const tdir = '/OVS/Repositories/r1/Templates/t1';
  fs.mkdirSync(path.join(kit.sysroot, staging, 'files'), { recursive: true });
  fs.mkdirSync(path.join(kit.sysroot, tdir), { recursive: true });
  fs.writeFileSync(path.join(kit.sysroot, tdir, 'System.img'), 'partial');
  kit.intents.begin('template-import', 'template:r1/t1', { staging, tdir, placing: true }).step('placing');
  const r = await kit.intents.recoverAll();
  t.match(r, [{ outcome: 'rolled-back' }]);
  t.notOk(fs.existsSync(path.join(kit.sysroot, staging)));
  t.notOk(fs.existsSync(path.join(kit.sysroot, tdir)));
});

t.test('the start-up sweep removes temp files older than the process, never newer ones', async (t) => {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  const root = '/OVS/Repositories/r1';
  const put = (p: string, ageMs: number) => {
    const full = path.join(kit.sysroot, root, p);
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, 'x');
    const when = new Date(Date.now() - ageMs);
    fs.utimesSync(full, when, when);
  };
  put('VirtualMachines/vm1/.vm.cfg.0123456789ab.tmp', 60_000);
  put('VirtualMachines/vm1/vm.cfg', 60_000);
  put('VirtualDisks/.d1.img.aabbccddeeff.part', 60_000);
  put('ISOs/.new.iso.aabbccddeeff.part', 0);
  put('VirtualDisks/d2.img', 60_000);
  put('VirtualMachines/stray-file', 60_000);
  const removed = await sweepRepoTemps(kit.fs, root, Date.now() - 30_000);
  t.same(removed.sort(), [`${root}/VirtualDisks/.d1.img.aabbccddeeff.part`, `${root}/VirtualMachines/vm1/.vm.cfg.0123456789ab.tmp`]);
  t.ok(fs.existsSync(path.join(kit.sysroot, root, 'ISOs/.new.iso.aabbccddeeff.part')), 'a write begun since is left alone');
  t.ok(fs.existsSync(path.join(kit.sysroot, root, 'VirtualMachines/vm1/vm.cfg')));
});
