import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn } from 'node:child_process';
import { openDatabase, migrate, listTables, dumpTable } from '../../src/store/db.js';
import { HostStateRepo } from '../../src/store/host-state.js';
import { tempDir } from '../helpers/service-kit.js';
import { isAgentError } from '../../src/core/errors.js';

t.test('migrations apply once, record their versions and survive reopen', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'agent.db');
  const db = openDatabase({ file });
  t.ok(listTables(db).includes('events'));
  const versions = (db.prepare('SELECT version FROM schema_migrations').all() as Array<{ version: number }>).map((r) => r.version);
  t.ok(versions.includes(1));
  t.same(migrate(db, [{ version: 1, name: 'core', up: () => t.fail('re-applied') }]), []);
  new HostStateRepo(db).set('k', 'v');
  db.close();
  const again = openDatabase({ file });
  t.equal(new HostStateRepo(again).get('k'), 'v');
  t.equal(again.pragma('journal_mode', { simple: true }), 'wal');
  again.close();
});

t.test('a later migration added on another branch is applied alone; a failing one rolls back', async (t) => {
  const db = openDatabase({ file: ':memory:' });
  const applied = migrate(db, [
    { version: 150, name: 'x', up: (d) => d.exec('CREATE TABLE x (a INTEGER)') },
  ]);
  t.same(applied, [150]);
  t.throws(() =>
    migrate(db, [
      {
        version: 151,
        name: 'bad',
        up: (d) => {
          d.exec('CREATE TABLE y (a INTEGER)');
          throw new Error('boom');
        },
      },
    ]),
  );
  t.notOk(listTables(db).includes('y'), 'the failed migration left nothing behind');
  t.throws(() => migrate(db, [{ version: 7, name: 'a', up: () => {} }, { version: 7, name: 'b', up: () => {} }]));
});

t.test('dump refuses unknown tables', async (t) => {
  const db = openDatabase({ file: ':memory:' });
  new HostStateRepo(db).set('manager.uuid', 'abc');
  t.same((dumpTable(db, 'host_state') as Array<{ key: string }>).map((r) => r.key), ['manager.uuid']);
  try {
    dumpTable(db, 'nope; DROP TABLE events');
    t.fail('accepted');
  } catch (e) {
    t.ok(isAgentError(e) && e.code === 'NOT_FOUND');
  }
});

t.test('committed rows survive kill -9 of the writer at any moment', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'agent.db');
  openDatabase({ file }).close();
  // A child commits one event per transaction, reporting each commit, and is killed mid-stream.
  const script = `
    import Database from 'better-sqlite3';
    const db = new Database(${JSON.stringify(file)});
    db.pragma('journal_mode = WAL'); db.pragma('synchronous = FULL');
    const ins = db.prepare("INSERT INTO events (time, severity, object, code, message) VALUES ('t','info','o','C', ?)");
    for (let i = 1; ; i++) { ins.run('m' + i); process.stdout.write(i + '\\n'); }
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: path.resolve(import.meta.dirname, '../..') });
  let last = 0;
  await new Promise<void>((resolve) => {
    child.stdout.on('data', (b: Buffer) => {
      const nums = b.toString().trim().split('\n').map(Number).filter(Number.isFinite);
      if (nums.length) last = nums[nums.length - 1];
      if (last >= 300 && !child.killed) {
        child.kill('SIGKILL');
      }
    });
    child.on('exit', () => resolve());
  });
  const db = openDatabase({ file });
  const n = (db.prepare('SELECT COUNT(*) AS n FROM events').get() as { n: number }).n;
  t.ok(n >= last, `every reported commit is there (${n} rows >= ${last} reported)`);
  t.equal((db.pragma('integrity_check', { simple: true }) as string), 'ok');
  db.close();
});
