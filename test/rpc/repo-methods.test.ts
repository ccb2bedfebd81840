// The repository method declarations: wire names, access, locks, argument validation (zod,
// nothing changed on bad input) and thin handlers returning nil or the documented values.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { pino } from 'pino';
import { repoMethods } from '../../src/rpc/methods/repo.js';
import type { MethodDef } from '../../src/rpc/method.js';
import { Registry } from '../../src/rpc/registry.js';
import { inject } from '../helpers/inject.js';
import { makeHarness } from '../helpers/repo-harness.js';

const U = 'abcdefabcdefabcdefabcdefabcdef12';

const log = pino({ level: 'silent' });

/** One call over the wire encoding, through the registry (ownership, schema, locks, faults). */
function call(defs: MethodDef[], name: string, args: unknown[], owned = true): Promise<unknown> {
  return inject(new Registry({ isOwned: () => owned }, defs), name, args, { log });
}

/** The fault a call ends in (or 'no fault'). */
async function fault(defs: MethodDef[], name: string, args: unknown[], owned = true): Promise<unknown> {
  return call(defs, name, args, owned).then(
    () => 'no fault',
    (e: { faultCode: number; faultString: string }) => ({ faultCode: e.faultCode, faultString: e.faultString }),
  );
}

t.test('declarations', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const defs = repoMethods(h.svc);
  t.same(
    defs.map((d) => d.name).sort(),
    [
      'add_repository', 'copy_file', 'create_repository', 'create_virtual_disk', 'delete_repository', 'delete_virtual_disk',
      'discover_repositories', 'discover_repository_db', 'import_ISO', 'import_template', 'import_virtual_disk',
      'list_repository_files', 'mount_repository_fs', 'resize_virtual_disk', 'unmount_repository_fs',
    ],
  );
  const pub = defs.filter((d) => d.access === 'public').map((d) => d.name).sort();
  t.same(pub, ['discover_repositories', 'discover_repository_db', 'list_repository_files']);
  for (const n of ['create_repository', 'add_repository', 'delete_repository', 'mount_repository_fs', 'unmount_repository_fs'])
    t.equal(defs.find((d) => d.name === n)?.lock, 'repository', n);
});

t.test('calls through the declarations', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const defs = repoMethods(h.svc);
  t.match(await fault(defs, 'create_repository', ['/srv/r', `/OVS/Repositories/${U}`, U, 'rpc'], false), { faultCode: 1004 }, 'needs ownership');
  t.match(await call(defs, 'discover_repository_db', [], false), '<RepositoryDbList/>', 'discovery is public');
  t.equal(await call(defs, 'create_repository', ['/srv/r', `/OVS/Repositories/${U}`, U, 'rpc']), null, 'nil');
  t.match(await fault(defs, 'create_repository', ['/srv/r', `/OVS/Repositories/${U}`, U, 'rpc']), {
    faultCode: 6002,
    faultString: /^exceptions\.Exception:REPO_EXISTS: Repository already exists/,
  });
  t.match(await call(defs, 'discover_repositories', [U]), /^<\?xml version="1.0" \?><Discover_Repositories_Result>/);
  t.match(await call(defs, 'discover_repositories', []), `Name="${U}"`);
  t.match(await call(defs, 'discover_repository_db', []), `<Repository Uuid="${U}">`);
  const rec = await call(defs, 'create_virtual_disk', [U, 'd.img', 5n * 1024n * 1024n * 1024n, true]);
  await call(defs, 'create_virtual_disk', [U, 'small.img', 1024 * 1024, true]);
  t.match(rec, { fr_type: 'File', file_sz: 5 * 1024 ** 3, fs_uuid: U }, 'i8 sizes accepted');
  t.match(await call(defs, 'resize_virtual_disk', [U, 'd.img', 6 * 1024 ** 3]), { file_sz: 6 * 1024 ** 3 });
  t.match(await call(defs, 'list_repository_files', [U, 'VirtualDisks']), [{ file_path: `/OVS/Repositories/${U}/VirtualDisks/d.img` }, { file_path: `/OVS/Repositories/${U}/VirtualDisks/small.img` }]);
  t.equal(await call(defs, 'copy_file', [`/OVS/Repositories/${U}/VirtualDisks/small.img`, `/OVS/Repositories/${U}/VirtualDisks/e.img`, true]), null);
  t.equal(await call(defs, 'delete_virtual_disk', [U, 'd.img']), null);
  // import_virtual_disk returns once the disk is there, as the stock agent: here it faults.
  t.match(await fault(defs, 'import_virtual_disk', ['http://127.0.0.1:1/x.img', 'x.img', U, '']), { faultString: /STORAGE_IMPORT_FAILED/ });
  t.notOk(fs.existsSync(path.join(h.root, `OVS/Repositories/${U}/VirtualDisks/x.img`)), 'nothing left under the final name');
  const tmplJob = await call(defs, 'import_template', [U, 'T', 'http://127.0.0.1:1/t.tgz', {}]);
  t.type(tmplJob, 'string', 'a single URL string is accepted');
  for (const id of [tmplJob] as string[]) {
    while (h.jobs.get(id).state === 'running') await new Promise((r) => setTimeout(r, 5));
    t.equal(h.jobs.get(id).state, 'failed', 'nothing listens on port 1');
  }
  t.equal(await call(defs, 'delete_repository', [U, false]), null);
});

t.test('bad arguments are refused by the schema, nothing changed', async (t) => {
  const h = makeHarness();
  t.teardown(h.cleanup);
  const defs = repoMethods(h.svc);
  const bad: Array<[string, unknown[]]> = [
    ['create_repository', ['/srv/r', `/OVS/Repositories/${U}`, U]],
    ['create_repository', ['/srv/r', `/OVS/Repositories/${U}`, U, 5]],
    ['delete_repository', [U, 'yes']],
    ['create_virtual_disk', [U, 'd.img', -1, true]],
    ['create_virtual_disk', [U, 'd.img', 2n ** 60n, true]],
    ['create_virtual_disk', [U, 'd.img', 1.5, true]],
    ['copy_file', ['/a', '/b']],
    ['import_template', [U, 'T', [], {}]],
  ];
  for (const [name, args] of bad) t.match(await fault(defs, name, args), { faultCode: 1003 }, `${name} ${JSON.stringify(args, (_k, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
  t.same(fs.readdirSync(h.root), [], 'sysroot untouched');
  t.notOk(fs.existsSync(path.join(h.root, 'srv')));
});
