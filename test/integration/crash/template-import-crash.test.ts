// kill -9 of import_template at every step of its job, through the real agent: after the
// restart neither the staging folder nor a half-placed template is left, an event says the
// import was rolled back, and the manager's retry imports the template.
import t, { type Test } from 'tap';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { execFileSync, spawnSync } from 'node:child_process';
import { CrashRig } from '../../helpers/crash-rig.js';
import { recovered } from '../../helpers/crash-checks.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const MANAGER = '0004fb0000020000ba9aaf00ae5e2d73';
const REPO = '0004fb00000300004444444444444444';
const STEPS = ['begin', 'placing', 'placing-file', 'placed', 'end'];

/** A template archive (vm.cfg and a sparse System.img) served on 127.0.0.1. */
async function serveTemplate(t: Test): Promise<string> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-tgz-'));
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  fs.mkdirSync(path.join(dir, 'tmpl'));
  fs.writeFileSync(path.join(dir, 'tmpl/vm.cfg'), "name = 'OL7'\nmemory = 1024\n");
  fs.writeFileSync(path.join(dir, 'tmpl/System.img'), Buffer.alloc(64 * 1024, 7));
  execFileSync('tar', ['-czf', path.join(dir, 'tmpl.tgz'), '-C', dir, 'tmpl']);
  const body = fs.readFileSync(path.join(dir, 'tmpl.tgz'));
  const srv = http.createServer((_q, res) => res.writeHead(200, { 'Content-Length': body.length }).end(body));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}/tmpl.tgz`;
}

t.setTimeout(600_000);
t.test('kill -9 at every step of import_template', { skip: canNetns ? false : 'needs root and ip netns' }, async (t) => {
  const url = await serveTemplate(t);
  const rig = new CrashRig(t);
  t.teardown(() => rig.cleanup());
  await rig.start();
  await rig.call('take_ownership', MANAGER);
  await rig.call('create_repository', '/data/tmpl', `/OVS/Repositories/${REPO}`, REPO, 'templates');
  const left = () => rig.list('/data/tmpl/Templates');
  await rig.runPlan(STEPS.map((s) => `template-import:${s}`), async (point) => {
    const id = `t-${point.split(':')[1]}`;
    await t.test(point, async (tt) => {
      const r = await rig.crash('import_template', REPO, id, url, {});
      tt.ok(r.killed, `the import's job was killed at ${point}`);
      await rig.restart();
      recovered(rig, tt, `template:${REPO}/${id}`, 'rolled-back');
      tt.same(left().filter((n) => n === id || n.startsWith('.import-')), [], 'no template folder and no staging folder left');
      tt.same(rig.list('/data/tmpl/VirtualDisks'), [], 'no placed disk left');
      const job = (await rig.call('import_template', REPO, id, url, {})) as string;
      for (let i = 0; i < 200; i++) {
        const j = (await rig.call('get_job', job)) as { state: string };
        if (j.state !== 'running') break;
        await new Promise((res) => setTimeout(res, 50));
      }
      tt.ok(rig.exists(`/data/tmpl/Templates/${id}/vm.cfg`), 'the retry imported the template');
      // the archive's disk is named by the archive, not the template: the next case imports it again
      await rig.call('delete_template', REPO, id);
      for (const n of rig.list('/data/tmpl/VirtualDisks')) fs.rmSync(path.join(rig.root, 'data/tmpl/VirtualDisks', n), { force: true });
    });
  });
});
