// Prints the README's method table from the registry itself (run: npx tsx scripts/methods-table.ts).
// Services are built against a temp sysroot and an in-memory database: constructors do no work.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { parseConfig } from '../src/core/config/schema.js';
import { openDatabase } from '../src/store/db.js';
import { HostStateRepo } from '../src/store/host-state.js';
import { SysrootFs } from '../src/host/host-fs.js';
import { HostExec } from '../src/host/exec.js';
import { systemClock } from '../src/host/clock.js';
import { EventJournal } from '../src/services/events/event-journal.js';
import { JobRunner } from '../src/services/jobs/job-runner.js';
import { OwnershipService } from '../src/services/ownership/ownership-service.js';
import { PasswordStore } from '../src/services/auth/password-store.js';
import { Registry } from '../src/rpc/registry.js';
import { commonMethods } from '../src/rpc/methods/common.js';
import { authMethods } from '../src/rpc/methods/auth.js';
import { ownershipMethods } from '../src/rpc/methods/ownership.js';
import { eventMethods } from '../src/rpc/methods/events.js';
import { buildFeatures } from '../src/feature-list.js';

const sysroot = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-methods-'));
// The opt-in cloudstack extension is listed too (its rows say so).
const r = parseConfig({ paths: { sysroot }, extensions: ['cloudstack'] });
if (!r.ok) throw new Error('config');
const config = r.config;
const log = pino({ level: 'silent' });
const db = openDatabase({ file: ':memory:' });
const hostState = new HostStateRepo(db);
const events = new EventJournal({ db, clock: systemClock, eventUrl: () => undefined });
const jobs = new JobRunner({ db, clock: systemClock, log });
const deps = { config, log, db, hostState, clock: systemClock, exec: new HostExec(), fs: new SysrootFs(sysroot), events, jobs };
const ownership = new OwnershipService({ hostState, events, log });
const registry = new Registry({ isOwned: () => true });
registry.register(commonMethods({}));
registry.register(authMethods(new PasswordStore({ config, fs: deps.fs, clock: systemClock, log })));
registry.register(ownershipMethods(ownership));
registry.register(eventMethods({ events, jobs, setStatisticInterval: () => {}, invoke: async () => null }));
const { features } = await buildFeatures(deps, { ownership, agentVersion: '0' });
const areaOf = new Map<string, string>();
for (const d of registry.list()) areaOf.set(d.name, 'agent');
for (const f of features) {
  registry.register(f.methods);
  for (const d of f.methods) areaOf.set(d.name, f.name);
}
const rows = registry.list().map((d) => {
  const names = [d.name, ...(d.aliases ?? [])].map((n) => `\`${n}\``).join(' / ');
  return `| ${areaOf.get(d.name)} | ${names} | ${d.access === 'public' ? 'before ownership too' : 'owned'} | ${d.lock ?? ''} | ${(d.summary ?? '').replace(/\|/g, '\\|')} |`;
});
const order = ['agent', 'host', 'pool', 'network', 'repositories', 'vm', 'cloudstack'];
rows.sort((a, b) => order.indexOf(a.split(' | ')[0].slice(2)) - order.indexOf(b.split(' | ')[0].slice(2)));
const ext = rows.filter((r) => r.startsWith('| cloudstack |')).length;
process.stdout.write(`${registry.list().length - ext} methods, plus ${ext} with the opt-in \`cloudstack\` extension.\n\n| area | method | who may call | lock | what it does |\n|---|---|---|---|---|\n${rows.join('\n')}\n`);
db.close();
fs.rmSync(sysroot, { recursive: true, force: true });
process.exit(0);
