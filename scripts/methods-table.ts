// Prints the README's method table from the registry itself (run: npx tsx scripts/methods-table.ts).
// Services are built against a temp sysroot and an in-memory database: constructors do no work.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { parseConfig } from '../src/core/config/schema.js';
import { openAgentDeps } from '../src/agent-deps.js';
import { buildAgent } from '../src/build-agent.js';
import { describeLocks } from '../src/rpc/registry.js';
import { HostExec } from '../src/host/exec.js';

const sysroot = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-methods-'));
const r = parseConfig({ paths: { sysroot } });
if (!r.ok) throw new Error('config');
const agent = await buildAgent(openAgentDeps(r.config, { log: pino({ level: 'silent' }), exec: new HostExec() }), { agentVersion: '0' });
const registry = agent.registry;
const areaOf = new Map<string, string>();
for (const d of registry.list()) areaOf.set(d.name, 'agent');
for (const f of agent.features) for (const d of f.methods) areaOf.set(d.name, f.name);
const rows = registry.list().map((d) => {
  const names = [d.name, ...(d.aliases ?? [])].map((n) => `\`${n}\``).join(' / ');
  return `| ${areaOf.get(d.name)} | ${names} | ${d.access === 'public' ? 'before ownership too' : 'owned'} | ${describeLocks(d)} | ${(d.summary ?? '').replace(/\|/g, '\\|')} |`;
});
const order = ['agent', 'host', 'pool', 'network', 'repositories', 'vm'];
rows.sort((a, b) => order.indexOf(a.split(' | ')[0].slice(2)) - order.indexOf(b.split(' | ')[0].slice(2)));
process.stdout.write(`${registry.list().length} methods.\n\n| area | method | who may call | lock | what it does |\n|---|---|---|---|---|\n${rows.join('\n')}\n`);
await agent.stop();
fs.rmSync(sysroot, { recursive: true, force: true });
process.exit(0);
