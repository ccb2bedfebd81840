// architecture.md: src/core stays pure. This reads every import of every file under src/core.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';

const FORBIDDEN = /^(node:)?(fs|fs\/promises|child_process|net|dgram|http|https|tls|os)$|^(pino|chokidar|systeminformation|@unraid\/libvirt|better-sqlite3)(\/|$)/;

function walk(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? walk(p) : p.endsWith('.ts') ? [p] : [];
  });
}

const root = path.resolve(import.meta.dirname, '../../src/core');
const files = walk(root);

t.ok(files.length > 0, 'src/core has files');
for (const f of files) {
  const src = fs.readFileSync(f, 'utf8');
  const specs = [...src.matchAll(/(?:import|export)[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g)].map((m) => m[1] ?? m[2]);
  const bad = specs.filter((s) => FORBIDDEN.test(s) || (s.startsWith('.') && !path.resolve(path.dirname(f), s).startsWith(root)));
  t.same(bad, [], `${path.relative(root, f)} imports only pure modules inside src/core`);
}

t.test('the check itself catches a forbidden import', async (t) => {
  t.ok(FORBIDDEN.test('node:fs'));
  t.ok(FORBIDDEN.test('child_process'));
  t.ok(FORBIDDEN.test('@unraid/libvirt'));
  t.notOk(FORBIDDEN.test('zod'));
});
