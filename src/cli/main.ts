#!/usr/bin/env node
// The `hvagent` command: dispatches to one sub-command; usage errors exit 2, failures 1.
import { UsageError } from './args.js';
import { isAgentError } from '../core/errors.js';

const HELP = `Usage: hvagent COMMAND [options]   (hvagent COMMAND --help for more)

Commands:
  serve               run the agent (--sandbox DIR for a self-contained sandbox)
  call METHOD [ARGS]  call an agent method (args as JSON)
  status              readable summary of the host from the running agent
  passwd              set the password of the agent user "oracle"
  keygen              generate a new TLS key pair
  db dump [TABLE]     print the agent database
  restore-networks    re-apply the safe network config (run at boot)
  reset-networking    emergency network reset
  faults              print the fault-code table
`;

type Cmd = (argv: string[]) => Promise<number> | number;

const COMMANDS: Record<string, () => Promise<Cmd>> = {
  serve: async () => (await import('./commands/serve.js')).run,
  call: async () => (await import('./commands/call.js')).run,
  status: async () => (await import('./commands/status.js')).run,
  passwd: async () => (await import('./commands/local.js')).passwd,
  keygen: async () => (await import('./commands/local.js')).keygen,
  db: async () => (await import('./commands/local.js')).db,
  faults: async () => (await import('./commands/local.js')).faults,
  'restore-networks': async () => (await import('./commands/network-env.js')).restoreNetworks,
  'reset-networking': async () => (await import('./commands/network-env.js')).resetNetworking,
};

export async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  if (!cmd || cmd === '--help' || cmd === '-h' || cmd === 'help') {
    process.stdout.write(HELP);
    return cmd ? 0 : 2;
  }
  const load = COMMANDS[cmd];
  if (!load) {
    process.stderr.write(`hvagent: unknown command ${cmd}\n\n${HELP}`);
    return 2;
  }
  try {
    return await (await load())(rest);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`hvagent ${cmd}: ${e.message}\n`);
      return 2;
    }
    // A fault from the agent is shown as the agent said it.
    const fault = (e as { faultString?: unknown }).faultString;
    if (typeof fault === 'string') {
      process.stderr.write(`hvagent ${cmd}: ${fault}\n`);
      return 1;
    }
    if (isAgentError(e)) {
      process.stderr.write(`hvagent ${cmd}: ${e.code}: ${e.message}\n`);
      return 1;
    }
    process.stderr.write(`hvagent ${cmd}: ${(e as Error).message ?? String(e)}\n`);
    return 1;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
    if (process.argv[2] !== 'serve') setImmediate(() => process.exit(code));
  },
  (e) => {
    process.stderr.write(String(e) + '\n');
    process.exit(1);
  },
);
