// House rule: no source file over 400 lines (a file that grows past it is split by concern).
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';

const root = resolve(import.meta.dirname, '../..');
const MAX = 400;

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (n === 'fixtures' || n === 'node_modules') return [];
    return statSync(p).isDirectory() ? files(p) : /\.(ts|py|sh)$/.test(n) ? [p] : [];
  });
}

t.test(`no file over ${MAX} lines`, async (t) => {
  const long = ['src', 'test', 'scripts', 'bench']
    .flatMap((d) => files(join(root, d)))
    .map((f) => ({ f: relative(root, f), n: readFileSync(f, 'utf8').split('\n').length - 1 }))
    .filter((x) => x.n > MAX)
    .map((x) => `${x.f}: ${x.n}`);
  t.same(long, []);
});
