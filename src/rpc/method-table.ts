// The README's method table, printed from a built agent's registry (scripts/methods-table.ts)
// and compared with the README by a test: one row per method, its area, access and holds.
import type { Feature } from '../features.js';
import { describeLocks, type Registry } from './registry.js';

const AREA_ORDER = ['agent', 'host', 'pool', 'cluster', 'ha', 'network', 'repositories', 'storage', 'vm', 'cloudstack'];
/** Opt-in extensions: counted apart in the table's first line. */
const EXTENSIONS = ['cloudstack'];

export function methodsTableMarkdown(registry: Registry, features: readonly Feature[]): string {
  const areaOf = new Map<string, string>();
  for (const f of features) for (const d of f.methods) areaOf.set(d.name, f.name);
  const area = (name: string) => areaOf.get(name) ?? 'agent';
  const rank = (a: string) => (AREA_ORDER.includes(a) ? AREA_ORDER.indexOf(a) : AREA_ORDER.length);
  const defs = registry.list();
  const rows = defs
    .map((d) => {
      const names = [d.name, ...(d.aliases ?? [])].map((n) => `\`${n}\``).join(' / ');
      const who = d.access === 'public' ? 'before ownership too' : d.access === 'setup' ? 'before ownership; then the owner' : 'owned';
      return { area: area(d.name), row: `| ${area(d.name)} | ${names} | ${who} | ${describeLocks(d)} | ${(d.summary ?? '').replace(/\|/g, '\\|')} |` };
    })
    // stable: within an area, the registry's order (by wire name)
    .sort((a, b) => rank(a.area) - rank(b.area));
  const ext = rows.filter((r) => EXTENSIONS.includes(r.area)).length;
  const count = ext ? `${defs.length - ext} methods, plus ${ext} with the opt-in extensions (${EXTENSIONS.join(', ')}).` : `${defs.length} methods.`;
  return `${count}\n\n| area | method | who may call | holds | what it does |\n|---|---|---|---|---|\n${rows.map((r) => r.row).join('\n')}\n`;
}
