// Every uuid-like argument of every method is a wire type: the test walks the real registry.
// An argument is uuid-like when its name ends in uuid or id (`pool_uuid`, `vm_id`); names come
// from the wire types themselves and from the argument list a summary gives ("(repo_uuid, ...)").
import t from 'tap';
import { z } from 'zod';
import type { MethodDef } from '../../src/rpc/method.js';
import { wireMeta, wireText, wireUuid } from '../../src/rpc/wire-types.js';
import { startTestAgent } from '../helpers/test-agent.js';

const UUID_LIKE = /(^|_)(uuid|id)$/i;

type Def = { _zod: { def: Record<string, unknown> } };
const defOf = (s: z.ZodType): Record<string, unknown> => (s as unknown as Def)._zod.def;

/** The schemas each position may be (a union of tuples gives several per position). */
function positions(params: z.ZodType): z.ZodType[][] {
  const d = defOf(params);
  if (d.type === 'tuple') {
    const items = d.items as z.ZodType[];
    return items.map((s) => [s]);
  }
  if (d.type === 'union') {
    const out: z.ZodType[][] = [];
    for (const opt of d.options as z.ZodType[]) positions(opt).forEach((ss, i) => (out[i] ??= []).push(...ss));
    return out;
  }
  return [];
}

/** The schemas a value at this position is checked by: wrappers and unions opened, wire types kept whole. */
function leaves(s: z.ZodType): z.ZodType[] {
  if (wireMeta(s)) return [s];
  const d = defOf(s);
  if (['optional', 'default', 'nullable', 'prefault', 'readonly', 'catch', 'nonoptional'].includes(d.type as string)) return leaves(d.innerType as z.ZodType);
  if (d.type === 'union') return (d.options as z.ZodType[]).flatMap(leaves);
  if (d.type === 'pipe') return leaves(d.in as z.ZodType);
  return [s];
}

/** Text reaches the service through it (integer ids such as since_id are not uuids). */
function acceptsText(s: z.ZodType): boolean {
  const kind = wireMeta(s)?.wire;
  return kind ? kind !== 'integer' && kind !== 'boolean' : ['string', 'pipe'].includes(defOf(s).type as string);
}

/** The argument names a summary lists: "(a, b[, c])" or "name(a, b)", when every entry is a name. */
export function summaryNames(summary: string | undefined): string[] | undefined {
  // "(ext)" and "(cloudstack)" mark where a method comes from, not its arguments.
  const m = /\((?!ext\)|cloudstack\))([^()]*)\)/.exec(summary ?? '');
  if (!m) return undefined;
  const names = m[1].replace(/[[\]]/g, '').split(',').map((p) => /^\s*([a-z][a-z0-9_]*)(\s|$)/.exec(p)?.[1]);
  return names.every((n) => n !== undefined) ? (names as string[]) : undefined;
}

/** What is wrong with a declaration's uuid-like arguments (empty when nothing). */
function problems(def: Pick<MethodDef, 'name' | 'params' | 'summary'>): { bad: string[]; checked: number } {
  const bad: string[] = [];
  let checked = 0;
  const listed = summaryNames(def.summary);
  positions(def.params).forEach((schemas, i) => {
    const ls = schemas.flatMap(leaves);
    const names = new Set([...ls.map((l) => wireMeta(l)?.what), listed?.[i]].filter((n): n is string => n !== undefined));
    if (![...names].some((n) => UUID_LIKE.test(n))) return;
    checked++;
    for (const l of ls) {
      const kind = wireMeta(l)?.wire;
      if (defOf(l).type === 'literal') continue; // '' meaning "all" (discover_repositories)
      if (acceptsText(l) && kind !== 'uuid' && kind !== 'id') {
        bad.push(`${def.name} argument ${i + 1} (${[...names].join('/')}) is ${kind ? `a wire ${kind}` : 'not a wire type'}, not a uuid or id`);
      }
    }
  });
  return { bad, checked };
}

t.test('the rule catches what it is for', async (t) => {
  const plain = problems({ name: 'x', params: z.tuple([z.string()]), summary: 'do it (vm_id)' });
  t.equal(plain.bad.length, 1, 'a bare string listed as vm_id');
  const named = problems({ name: 'x', params: z.tuple([wireText('pool_uuid').optional()]), summary: 'do it' });
  t.equal(named.bad.length, 1, 'free text named pool_uuid');
  const good = problems({ name: 'x', params: z.union([z.tuple([wireUuid('pool_uuid')]), z.tuple([z.record(z.string(), z.unknown()), wireUuid('pool_uuid')])]), summary: 'x' });
  t.same(good, { bad: [], checked: 2 });
  t.same(summaryNames('create_template(repo_id, vm_id, template_id[, sparse]): a template'), ['repo_id', 'vm_id', 'template_id', 'sparse']);
  t.same(summaryNames('create the pool FS (type nfs|lun, target, poolfs_uuid)'), ['type', 'target', 'poolfs_uuid']);
  t.equal(summaryNames('Become owned (3.2: uuid, core API url; 3.3: one struct)'), undefined);
  t.same(summaryNames('(ext) grow a disk (repo_uuid, name, size)'), ['repo_uuid', 'name', 'size']);
  t.same(problems({ name: 'x', params: z.tuple([z.number()]), summary: 'events (since_id)' }).bad, [], 'an integer id is no uuid');
});

t.test('every uuid-like argument of the registry is a uuid or id wire type', async (t) => {
  const { agent } = await startTestAgent(t, { owned: false, config: { extensions: ['cloudstack'] } });
  let checked = 0;
  const bad: string[] = [];
  for (const def of agent.registry.list()) {
    const r = problems(def);
    checked += r.checked;
    bad.push(...r.bad);
  }
  t.same(bad, []);
  // vm, template, repository, disk, pool, file-system and manager ids: far more than a few.
  t.ok(checked >= 60, `${checked} uuid-like arguments checked`);
});

t.test('a refused id names its argument and position in the fault', async (t) => {
  const { call } = await startTestAgent(t);
  await t.rejects(call('leave_server_pool', 'not-a-uuid'), { code: 'INVALID_ARGUMENT', message: /leave_server_pool: argument 1: pool_uuid must be a uuid .*got "not-a-uuid"/ });
  await t.rejects(call('start_vm', 'repo', '../x'), { message: /start_vm: argument 2: vm_id must be one path component/ });
  await t.rejects(call('delete_virtual_disk', 'a/b', 'd.img'), { message: /argument 1: repo_uuid must be one path component/ });
  await t.rejects(call('release_ownership', '0004fb00-0001-0000-aaaa-aaaaaaaaaaaa'), { message: /argument 1: manager_uuid must be 32 hex digits/ });
  await t.rejects(call('create_pool_filesystem', 'nfs', 'h:/e', 'c1', '0004fb00-0005-0000-aaaa-aaaaaaaaaaaa', 'nope', '0004fb0000010000aaaaaaaaaaaaaaaa', '0004fb0000020000aaaaaaaaaaaaaaaa'), {
    message: /argument 5: nfsbase_uuid must be a uuid/,
  });
});
