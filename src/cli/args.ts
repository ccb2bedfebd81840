// Small shared helpers for CLI commands: option parsing with per-command help, and the
// resolution of where and how to reach the agent (url, user, password).
import { parseArgs, type ParseArgsConfig } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';

export const DEFAULT_URL = 'https://127.0.0.1:8899/api/3/';

export class UsageError extends Error {}

export function parse<T extends NonNullable<ParseArgsConfig['options']>>(argv: string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: argv, options: { help: { type: 'boolean', short: 'h' }, ...options }, allowPositionals, strict: true });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
}

export interface SandboxInfo {
  url: string;
  user: string;
  password: string;
  pid: number;
}

export function readSandbox(dir: string): SandboxInfo {
  const file = path.join(dir, 'sandbox.json');
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as SandboxInfo;
  } catch (e) {
    throw new UsageError(`cannot read ${file}: ${(e as Error).message} (is a sandbox agent running?)`);
  }
}

export interface Target {
  url: string;
  user: string;
  password: string;
}

/** --url/--user/--password, else HVAGENT_URL/HVAGENT_PASSWORD, else --sandbox DIR. */
export function resolveTarget(v: { url?: string; user?: string; password?: string; sandbox?: string }): Target {
  const sb = v.sandbox ? readSandbox(v.sandbox) : undefined;
  const password = v.password ?? process.env.HVAGENT_PASSWORD ?? sb?.password;
  if (password === undefined) throw new UsageError('no password: give --password, set HVAGENT_PASSWORD, or use --sandbox DIR');
  return {
    url: v.url ?? sb?.url ?? process.env.HVAGENT_URL ?? DEFAULT_URL,
    user: v.user ?? sb?.user ?? 'oracle',
    password,
  };
}

/** Each positional argument is JSON when it parses as JSON, else a plain string. */
export function parseCallArg(s: string): unknown {
  try {
    return JSON.parse(s);
  } catch {
    return s;
  }
}
