// Commands that act on this host's files directly (no running agent needed): passwd, keygen,
// db dump, faults.
import * as path from 'node:path';
import * as readline from 'node:readline';
import pino from 'pino';
import { parse, UsageError } from '../args.js';
import { loadConfig } from '../../services/config/config-loader.js';
import { SysrootFs } from '../../host/host-fs.js';
import { systemClock } from '../../host/clock.js';
import { HostExec } from '../../host/exec.js';
import { PasswordStore } from '../../services/auth/password-store.js';
import { TlsKeyPair } from '../../host/tls.js';
import { openDatabase, listTables, dumpTable } from '../../store/db.js';
import { faultTableMarkdown } from '../../core/errors.js';
import { configSource } from './serve.js';
import type { AgentConfig } from '../../core/config/schema.js';

const COMMON_OPTS = {
  config: { type: 'string' as const },
  sandbox: { type: 'string' as const },
};

function configFrom(values: { config?: string; sandbox?: string }): AgentConfig {
  const { configFile, overrides } = configSource(values);
  return loadConfig(configFile, overrides);
}

const quiet = pino({ level: 'silent' });

async function readSecret(prompt: string): Promise<string> {
  if (!process.stdin.isTTY) {
    // Non-interactive: the first line of stdin.
    const rl = readline.createInterface({ input: process.stdin });
    for await (const line of rl) {
      rl.close();
      return line;
    }
    return '';
  }
  process.stderr.write(prompt);
  const stdin = process.stdin;
  stdin.setRawMode(true);
  return new Promise((resolve) => {
    let s = '';
    const onData = (b: Buffer) => {
      for (const ch of b.toString('utf8')) {
        if (ch === '\r' || ch === '\n') {
          stdin.setRawMode(false);
          stdin.off('data', onData);
          stdin.pause();
          process.stderr.write('\n');
          return resolve(s);
        }
        if (ch === '\u0003') process.exit(130);
        if (ch === '\u007f') s = s.slice(0, -1);
        else s += ch;
      }
    };
    stdin.on('data', onData);
    stdin.resume();
  });
}

export const PASSWD_HELP = `Usage: hvagent passwd [--config FILE | --sandbox DIR]

Sets the password of the agent user "oracle". Reads it twice from the terminal, or once
from the first line of standard input when it is not a terminal. Only a salted scrypt hash
is stored (rpc.passwordFile). A running agent notices the change within seconds.
`;

export async function passwd(argv: string[]): Promise<number> {
  const { values } = parse(argv, COMMON_OPTS, false);
  if (values.help) return void process.stdout.write(PASSWD_HELP), 0;
  const config = configFrom(values);
  const pw = await readSecret('New password for oracle: ');
  if (process.stdin.isTTY) {
    const again = await readSecret('Again: ');
    if (again !== pw) throw new UsageError('the passwords differ; nothing changed');
  }
  const store = new PasswordStore({ config, fs: new SysrootFs(config.paths.sysroot), clock: systemClock, log: quiet });
  await store.set(pw);
  process.stdout.write(`password set (${config.rpc.passwordFile})\n`);
  return 0;
}

export const KEYGEN_HELP = `Usage: hvagent keygen [--config FILE | --sandbox DIR]

Generates a new self-signed TLS key pair for the agent (rpc.certFile, rpc.keyFile), replacing
the old one, and prints its SHA-256 fingerprint. Restart the agent to use it.
`;

export async function keygen(argv: string[]): Promise<number> {
  const { values } = parse(argv, COMMON_OPTS, false);
  if (values.help) return void process.stdout.write(KEYGEN_HELP), 0;
  const config = configFrom(values);
  const kp = new TlsKeyPair({ config, fs: new SysrootFs(config.paths.sysroot), exec: new HostExec(), log: quiet });
  const m = await kp.regenerate();
  process.stdout.write(`new key pair ${config.rpc.certFile} ${config.rpc.keyFile}\nSHA-256 fingerprint ${m.fingerprint256}\n`);
  return 0;
}

export const DB_HELP = `Usage: hvagent db dump [TABLE] [--config FILE | --sandbox DIR]

Prints the agent database as JSON: every table, or one. "hvagent db tables" lists them.
`;

export async function db(argv: string[]): Promise<number> {
  const { values, positionals } = parse(argv, COMMON_OPTS);
  const [sub, table] = positionals;
  if (values.help || !sub) return void process.stdout.write(DB_HELP), values.help ? 0 : 2;
  const config = configFrom(values);
  const fs = new SysrootFs(config.paths.sysroot);
  const d = openDatabase({ file: path.join(fs.resolve(config.paths.stateDir), 'agent.db') });
  try {
    if (sub === 'tables') {
      process.stdout.write(listTables(d).join('\n') + '\n');
    } else if (sub === 'dump') {
      const tables = table ? [table] : listTables(d);
      const out: Record<string, unknown[]> = {};
      for (const t of tables) out[t] = dumpTable(d, t);
      process.stdout.write(JSON.stringify(table ? out[table] : out, null, 2) + '\n');
    } else {
      throw new UsageError(`unknown db command ${sub}`);
    }
  } finally {
    d.close();
  }
  return 0;
}

export function faults(): number {
  process.stdout.write(faultTableMarkdown());
  return 0;
}
