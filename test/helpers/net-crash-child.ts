// Child process of the network crash test: the network service on the real iproute2 adapters
// in a test namespace, over a database file, runs one setup_networks request and is killed by
// HVAGENT_CRASH_AT at the step under test. Argv: sysroot netns request-json.
import pino from 'pino';
import { parseConfig } from '../../src/core/config/schema.js';
import { openAgentDeps, buildNetworkService } from '../../src/agent-deps.js';

const [sysroot, netns, request] = process.argv.slice(2);
const parsed = parseConfig({ paths: { sysroot }, network: { netns, verifyRetries: 3, verifyIntervalMs: 50 } });
if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
const deps = openAgentDeps(parsed.config, { log: pino({ level: 'silent' }) });
const svc = buildNetworkService(deps);
const { networks, bondings } = JSON.parse(request) as { networks: Record<string, never>; bondings: Record<string, never> };
await svc.setupNetworks(networks, bondings, {}, undefined, '192.0.2.9');
process.stdout.write('DONE\n');
deps.close();
