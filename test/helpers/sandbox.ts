// Starts and stops `hvagent serve --sandbox DIR` as a child process for end-to-end tests.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export const repo = path.resolve(import.meta.dirname, '../..');
const tsx = path.join(repo, 'node_modules/.bin/tsx');
const cli = path.join(repo, 'src/cli/main.ts');

export interface SandboxInfo {
  url: string;
  user: string;
  password: string;
  pid: number;
}

export interface RunningSandbox {
  child: ChildProcess;
  info: SandboxInfo;
  output: () => string;
}

export async function startSandbox(dir: string, env: Record<string, string> = {}): Promise<RunningSandbox> {
  fs.rmSync(path.join(dir, 'sandbox.json'), { force: true });
  const child = spawn(tsx, [cli, 'serve', '--sandbox', dir, '--port', '0'], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  child.stdout!.on('data', (b) => (out += b));
  child.stderr!.on('data', (b) => (out += b));
  for (let i = 0; i < 600; i++) {
    if (fs.existsSync(path.join(dir, 'sandbox.json'))) {
      return { child, info: JSON.parse(fs.readFileSync(path.join(dir, 'sandbox.json'), 'utf8')) as SandboxInfo, output: () => out };
    }
    if (child.exitCode !== null) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`sandbox did not start:\n${out}`);
}

export function stopSandbox(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    child.once('exit', (code) => resolve(code));
    child.kill('SIGTERM');
  });
}

/** `hvagent ARGS --sandbox DIR`, synchronously. */
export function hv(dir: string, ...args: string[]) {
  return spawnSync(tsx, [cli, ...args, '--sandbox', dir], { cwd: repo, encoding: 'utf8' });
}
