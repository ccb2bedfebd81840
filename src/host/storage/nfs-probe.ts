// Asks an NFS server what it exports: the NFSv3 MOUNT protocol's export list through
// `showmount -e` and the NFSv4 pseudo-root through libnfs's `nfs-ls`, each bounded by a
// time limit so a dead server faults quickly instead of hanging the call.
import { AgentError, isAgentError } from '../../core/errors.js';
import { parseNfsLsDirs, parseShowmount, probeFailureReason, type ExportLine } from '../../core/storage/nfs.js';
import type { Exec, ExecResult } from '../exec.js';

export interface NfsProbeOptions {
  timeoutMs: number;
}

export interface NfsProbe {
  /** NFSv3: the MOUNT protocol's export list (as `showmount -e`). */
  exportsV3(host: string, opts: NfsProbeOptions): Promise<ExportLine[]>;
  /** NFSv4: the directories at the pseudo-root. */
  pseudoRootV4(host: string, opts: NfsProbeOptions): Promise<string[]>;
}

function urlHost(host: string): string {
  return host.includes(':') && !host.startsWith('[') ? `[${host}]` : host;
}

export class ExecNfsProbe implements NfsProbe {
  /** `netns` runs the probes inside a network namespace (tests, sandbox). */
  constructor(private readonly exec: Exec, private readonly netns?: string) {}

  private async run(argv: string[], host: string, what: string, timeoutMs: number): Promise<ExecResult> {
    let r: ExecResult;
    try {
      r = await this.exec.run(argv, { netns: this.netns, timeoutMs, allowFail: true });
    } catch (e) {
      // Only a timeout throws with allowFail: the child was killed.
      const stderr = isAgentError(e) && typeof e.detail?.stderr === 'string' ? e.detail.stderr : '';
      throw new AgentError('STORAGE_SERVER_UNREACHABLE', `NFS server ${host}: ${what} failed: ${probeFailureReason(stderr, true)} (${timeoutMs} ms)`, { host });
    }
    if (r.code === 127) throw new AgentError('STORAGE_COMMAND_FAILED', `${argv[0]} is not installed on this host`, { argv: [argv[0]] });
    if (r.code !== 0) {
      throw new AgentError('STORAGE_SERVER_UNREACHABLE', `NFS server ${host}: ${what} failed: ${probeFailureReason(r.stderr + ' ' + r.stdout, false)}`, { host, code: r.code });
    }
    return r;
  }

  async exportsV3(host: string, opts: NfsProbeOptions): Promise<ExportLine[]> {
    const r = await this.run(['showmount', '--no-headers', '-e', host], host, 'export listing (MOUNT protocol)', opts.timeoutMs);
    return parseShowmount(r.stdout);
  }

  async pseudoRootV4(host: string, opts: NfsProbeOptions): Promise<string[]> {
    const r = await this.run(['nfs-ls', `nfs://${urlHost(host)}/?version=4`], host, 'NFSv4 pseudo-root listing', opts.timeoutMs);
    return parseNfsLsDirs(r.stdout);
  }
}
