// Builds what `restore-networks` and `reset-networking` need from the agent's config, so both
// work while the agent is stopped (at boot, or in an emergency).
import * as readline from 'node:readline/promises';
import { loadConfig } from '../../services/config/config-loader.js';
import { createRootLogger } from '../../services/logging/logger.js';
import { openAgentDeps, agentLogDir } from '../../agent-deps.js';
import { buildAgent } from '../../build-agent.js';
import { AGENT_VERSION } from '../../main.js';
import { configSource } from './serve.js';
import { STATE_KEYS } from '../../services/context.js';
import { NET_STATE_KEYS } from '../../services/network/deps.js';
import type { PoolInfo } from '../../services/ownership/ownership-service.js';
import * as restore from './restore-networks.js';
import * as reset from './reset-networking.js';

/** Pull --config/--sandbox out of argv; the rest goes to the command. */
function splitConfig(argv: string[]): { rest: string[]; configFile: string; overrides: Record<string, unknown> } {
  const rest: string[] = [];
  let config: string | undefined;
  let sandbox: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--config') config = argv[++i];
    else if (argv[i].startsWith('--config=')) config = argv[i].slice(9);
    else if (argv[i] === '--sandbox') sandbox = argv[++i];
    else if (argv[i].startsWith('--sandbox=')) sandbox = argv[i].slice(10);
    else rest.push(argv[i]);
  }
  return { rest, ...configSource({ config, sandbox }) };
}

function open(configFile: string, overrides: Record<string, unknown>) {
  const config = loadConfig(configFile, overrides);
  const root = createRootLogger({ level: config.log.level, logDir: agentLogDir(config), stdout: false });
  const deps = openAgentDeps(config, { log: root.log.child({ component: 'cli' }) });
  return { config, deps, close: () => (deps.close(), root.close()) };
}

export async function restoreNetworks(argv: string[]): Promise<number> {
  const { rest, configFile, overrides } = splitConfig(argv);
  if (rest.includes('--help')) return restore.run(rest, { network: () => { throw new Error('unreachable'); } });
  const o = open(configFile, overrides);
  try {
    // The agent's own wiring, nothing started: only its network service runs the restore.
    const agent = await buildAgent(o.deps, { agentVersion: AGENT_VERSION });
    return await restore.run(rest, { network: () => agent.services.network });
  } finally {
    o.close();
  }
}

export async function resetNetworking(argv: string[]): Promise<number> {
  const { rest, configFile, overrides } = splitConfig(argv);
  const out = (l: string) => process.stdout.write(l + '\n');
  const err = (l: string) => process.stderr.write(l + '\n');
  if (rest.includes('--help')) {
    return reset.run(rest, { fs: undefined as never, exec: undefined as never, backend: 'ifcfg', stateDir: '', prompt: async () => '', out, err });
  }
  const o = open(configFile, overrides);
  const { hostState } = o.deps;
  try {
    return await reset.run(rest, {
      fs: o.deps.fs,
      exec: o.config.sandbox ? { run: async (argv) => ({ argv, code: 0, stdout: '', stderr: '' }) } : o.deps.exec,
      backend: o.config.network.backend,
      stateDir: o.config.paths.stateDir,
      isPoolMember: () => hostState.get(STATE_KEYS.pool) !== undefined,
      setMasterAddress: (ip) => {
        const pool = hostState.getJson<PoolInfo>(STATE_KEYS.pool);
        if (pool) hostState.setJson(STATE_KEYS.pool, { ...pool, masterIp: ip });
        hostState.set('pool.master_address', ip);
      },
      defaultDevice: () => hostState.get(NET_STATE_KEYS.lastClientIface),
      prompt: async (q) => {
        const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
        try {
          return await rl.question(q);
        } finally {
          rl.close();
        }
      },
      out,
      err,
    });
  } finally {
    o.close();
  }
}
