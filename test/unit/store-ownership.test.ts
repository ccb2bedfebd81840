// SQL lives only in src/store, and each table has one owner there (db.ts, the migrations and
// schema_migrations aside): a service that writes a table through its own SQL fails here.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const SQL = /\.prepare\(|\.transaction\(|\b(SELECT|INSERT INTO|DELETE FROM|UPDATE)\s+[\s\S]{0,80}?\b(FROM|INTO|SET|WHERE|VALUES)\b/;
const TABLE_REF = /\b(?:FROM|INTO|UPDATE|JOIN)\s+"?([a-z_]+)"?/g;

function tablesOf(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(TABLE_REF)) out.add(m[1]);
  return out;
}

t.test('no SQL outside src/store', async (t) => {
  const bad = files(join(root, 'src'))
    .filter((f) => !relative(root, f).startsWith(join('src', 'store')))
    .filter((f) => SQL.test(readFileSync(f, 'utf8')))
    .map((f) => relative(root, f));
  t.same(bad, []);
});

t.test('one owner per table in src/store', async (t) => {
  const owners = new Map<string, string[]>();
  for (const f of files(join(root, 'src/store'))) {
    const rel = relative(root, f);
    if (rel.includes('migrations') || rel.endsWith('db.ts')) continue;
    for (const table of tablesOf(readFileSync(f, 'utf8'))) owners.set(table, [...(owners.get(table) ?? []), rel]);
  }
  t.ok(owners.size >= 6, `tables found: ${[...owners.keys()].join(', ')}`);
  for (const [table, by] of owners) t.equal(by.length, 1, `${table}: ${by.join(', ')}`);
});

t.test('the checks catch what they look for', async (t) => {
  t.ok(SQL.test("db.prepare('DELETE FROM event_outbox WHERE event_id = ?')"));
  t.notOk(SQL.test('// a comment that says select a value from the list'));
  t.same([...tablesOf('SELECT o.id FROM event_outbox o JOIN events e ON e.id = o.event_id')], ['event_outbox', 'events']);
});
