// Prints the README's method table from the registry itself (run: npx tsx scripts/methods-table.ts).
// Services are built by buildAgent() against a temp sysroot (its database included); nothing is started.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { parseConfig } from '../src/core/config/schema.js';
import { openAgentDeps } from '../src/agent-deps.js';
import { buildAgent } from '../src/build-agent.js';
import { methodsTableMarkdown } from '../src/rpc/method-table.js';
import { HostExec } from '../src/host/exec.js';

const sysroot = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-methods-'));
// The opt-in cloudstack extension is listed too (its rows say so).
const r = parseConfig({ paths: { sysroot }, extensions: ['cloudstack'] });
if (!r.ok) throw new Error('config');
const agent = await buildAgent(openAgentDeps(r.config, { log: pino({ level: 'silent' }), exec: new HostExec() }), { agentVersion: '0' });
process.stdout.write(methodsTableMarkdown(agent.registry, agent.features));
await agent.stop();
fs.rmSync(sysroot, { recursive: true, force: true });
process.exit(0);
