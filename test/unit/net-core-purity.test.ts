// src/core/net stays pure: no file system, processes, sockets, logging or database imports, and
// nothing from src/host but type-only imports of the shared contracts.
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(import.meta.dirname, '../../src/core/net');
const FORBIDDEN = /^(node:)?(fs|fs\/promises|child_process|net|http|https|dgram)$|^(pino|better-sqlite3|chokidar|systeminformation|@unraid\/libvirt)$/;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

for (const f of files(ROOT)) {
  t.test(relative(ROOT, f), async (t) => {
    const src = readFileSync(f, 'utf8');
    for (const m of src.matchAll(/^\s*import\s+(type\s+)?[^'"]*?from\s+'([^']+)'/gm)) {
      const [, typeOnly, spec] = m;
      t.notOk(FORBIDDEN.test(spec), `${spec} is not imported`);
      if (spec.includes('/host/')) t.ok(typeOnly, `${spec} is imported for types only`);
    }
    t.notMatch(src, /\bimport\(\s*'(node:)?(fs|child_process)/, 'no dynamic imports of host modules');
  });
}
