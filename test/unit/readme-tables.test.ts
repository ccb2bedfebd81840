// The README's fault table and method table are the catalogue and the registry: a drift fails
// here, as does a published code that nothing throws (unless reserved for an area not built).
import t from 'tap';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { ERRORS, RETIRED_NUMBERS, errorTable, faultTableMarkdown, type ErrorCode } from '../../src/core/errors.js';
import { methodsTableMarkdown } from '../../src/rpc/method-table.js';
import { startTestAgent } from '../helpers/test-agent.js';

const repo = resolve(import.meta.dirname, '../..');
const readme = readFileSync(join(repo, 'README.md'), 'utf8');

function section(startLine: RegExp): string {
  const lines = readme.split('\n');
  const i = lines.findIndex((l) => startLine.test(l));
  if (i < 0) return '';
  const end = lines.findIndex((l, j) => j > i + 2 && l.trim() === '' && lines[j - 1].startsWith('|'));
  return `${lines.slice(i, end).join('\n')}\n`;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? sourceFiles(p) : p.endsWith('.ts') ? [p] : [];
  });
}

t.test('the README fault table is the catalogue', async (t) => {
  t.equal(section(/^\| code \| number \| caller's fault/), faultTableMarkdown());
});

t.test('every code is thrown somewhere, or reserved for an area not built yet (and then not thrown)', async (t) => {
  const src = sourceFiles(join(repo, 'src'))
    .filter((f) => !f.endsWith(join('core', 'errors.ts')))
    .map((f) => readFileSync(f, 'utf8'))
    .join('\n');
  for (const { code, reserved } of errorTable()) {
    const used = src.includes(`'${code}'`);
    if (reserved) t.notOk(used, `${code} is reserved for ${reserved}; once thrown, drop the mark`);
    else t.ok(used, `${code} is thrown (or its meaning tested) somewhere in src`);
  }
  const nums = (Object.keys(ERRORS) as ErrorCode[]).map((c) => ERRORS[c].num);
  t.equal(new Set(nums).size, nums.length, 'numbers are unique');
  for (const n of RETIRED_NUMBERS) t.notOk(nums.includes(n), `retired number ${n} is not reused`);
});

t.test('the README method table is the registry', async (t) => {
  // the opt-in extensions are listed too (their rows say so)
  const { agent } = await startTestAgent(t, { owned: false, config: { extensions: ['cloudstack'] } });
  const lines = readme.split('\n');
  const at = lines.findIndex((l) => /^\d+ methods(, plus \d+ with the opt-in extensions \(.*\))?\.$/.test(l));
  const want = methodsTableMarkdown(agent.registry, agent.features);
  t.equal(lines.slice(at, at + want.split('\n').length - 1).join('\n') + '\n', want);
});
