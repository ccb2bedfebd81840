// ocfs2-tools and util-linux behind one interface for the OCFS2 plugin: mkfs.ocfs2,
// mounted.ocfs2 -d, tunefs.ocfs2 -Q, blkid -p, blockdev --getsize64 and wipefs, each with a
// time limit. Paths handed in are real paths.
import * as fsp from 'node:fs/promises';
import { AgentError, isAgentError } from '../../core/errors.js';
import { parseMountedOcfs2, parseTunefsQuery, TUNEFS_QUERY, type MountedOcfs2, type Ocfs2CreatePlan, type Ocfs2Facts } from '../../core/storage/ocfs2.js';
import type { Exec, ExecResult } from '../exec.js';

export interface Ocfs2Tools {
  mkfs(plan: Ocfs2CreatePlan, timeoutMs: number): Promise<void>;
  listDevices(timeoutMs: number): Promise<MountedOcfs2[]>;
  query(device: string, timeoutMs: number): Promise<Ocfs2Facts>;
  /** The file-system type blkid finds on the device, or undefined when there is none. */
  probeType(device: string, timeoutMs: number): Promise<string | undefined>;
  size(path: string, timeoutMs: number): Promise<number>;
  wipe(device: string, timeoutMs: number): Promise<void>;
}

function failed(what: string, r: ExecResult | undefined, e?: unknown): AgentError {
  const stderr = r ? (r.stderr || r.stdout).trim() : isAgentError(e) && typeof e.detail?.stderr === 'string' ? e.detail.stderr : (e as Error)?.message ?? '';
  const timedOut = !r && isAgentError(e) && /timed out/.test(e.message);
  return new AgentError('STORAGE_COMMAND_FAILED', `${what} failed${timedOut ? ' (time limit reached)' : ''}: ${stderr.replace(/\s+/g, ' ').slice(0, 300)}`, { code: r?.code });
}

export class ExecOcfs2Tools implements Ocfs2Tools {
  constructor(private readonly exec: Exec) {}

  private async run(argv: string[], timeoutMs: number, input?: string): Promise<ExecResult> {
    try {
      return await this.exec.run(argv, { timeoutMs, allowFail: true, input });
    } catch (e) {
      throw failed(argv[0], undefined, e);
    }
  }

  async mkfs(plan: Ocfs2CreatePlan, timeoutMs: number): Promise<void> {
    const r = await this.run(plan.argv, timeoutMs, plan.input);
    if (r.code === 0) return;
    if (/Proceed \(y\/N\)/.test(r.stdout + r.stderr)) {
      throw new AgentError('STORAGE_DEVICE_IN_USE', `${plan.argv[plan.argv.length - 1]} already holds an OCFS2 file system; pass options.force to re-format it`);
    }
    throw failed('mkfs.ocfs2', r);
  }

  async listDevices(timeoutMs: number): Promise<MountedOcfs2[]> {
    const r = await this.run(['mounted.ocfs2', '-d'], timeoutMs);
    if (r.code !== 0) throw failed('mounted.ocfs2 -d', r);
    return parseMountedOcfs2(r.stdout);
  }

  async query(device: string, timeoutMs: number): Promise<Ocfs2Facts> {
    const r = await this.run(['tunefs.ocfs2', '-Q', TUNEFS_QUERY, device], timeoutMs);
    if (r.code !== 0) throw new AgentError('STORAGE_INVALID', `${device} holds no readable OCFS2 file system: ${(r.stderr || r.stdout).trim().slice(0, 200)}`);
    return parseTunefsQuery(r.stdout);
  }

  async probeType(device: string, timeoutMs: number): Promise<string | undefined> {
    const r = await this.run(['blkid', '-p', '-o', 'export', device], timeoutMs);
    if (r.code === 2) return undefined; // nothing found
    if (r.code !== 0) throw failed('blkid -p', r);
    return /^TYPE=(\S+)$/m.exec(r.stdout)?.[1] ?? (/^PTTYPE=(\S+)$/m.exec(r.stdout) ? 'partition-table' : undefined);
  }

  async size(path: string, timeoutMs: number): Promise<number> {
    const st = await fsp.stat(path);
    if (st.isFile()) return st.size;
    const r = await this.run(['blockdev', '--getsize64', path], timeoutMs);
    if (r.code !== 0) throw failed('blockdev --getsize64', r);
    return Number(r.stdout.trim());
  }

  async wipe(device: string, timeoutMs: number): Promise<void> {
    const r = await this.run(['wipefs', '-a', '-t', 'ocfs2', device], timeoutMs);
    if (r.code !== 0) throw failed('wipefs', r);
  }
}
