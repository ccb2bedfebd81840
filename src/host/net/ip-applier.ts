// LiveApplier over iproute2: consecutive ops run as one `ip -batch -` process, bond options
// are sysfs writes, DHCP and gratuitous ARP are commands. A failure names the op index that
// failed, so the network service can roll back exactly the ops before it.
import * as nodeFs from 'node:fs/promises';
import { AgentError } from '../../core/errors.js';
import { ipBatchFailedLine, opsToApplySteps, type ApplyStep, type DhcpClient } from '../../core/net/ops-to-ip-batch.js';
import type { Exec, ExecResult } from '../exec.js';
import type { HostFs } from '../host-fs.js';
import type { LiveApplier, LiveOp } from './live-ops.js';

export interface IpLiveApplierDeps {
  exec: Exec;
  fs: HostFs;
  /** Which DHCP client to run; 'auto' looks for dhclient, then dhcpcd, on first use. */
  dhcpClient?: DhcpClient | 'auto';
  timeoutMs?: number;
}

export class IpLiveApplier implements LiveApplier {
  private dhcp: DhcpClient | null | undefined;

  constructor(private readonly deps: IpLiveApplierDeps) {
    this.dhcp = deps.dhcpClient && deps.dhcpClient !== 'auto' ? deps.dhcpClient : undefined;
  }

  async apply(ops: readonly LiveOp[], opts: { netns?: string } = {}): Promise<{ ran: number }> {
    const needsDhcp = ops.findIndex((o) => o.op === 'dhcp-start' || o.op === 'dhcp-stop');
    const client = needsDhcp >= 0 ? await this.dhcpClient() : undefined;
    if (needsDhcp >= 0 && !client) {
      throw this.failure(ops, needsDhcp, [], 'no DHCP client installed (neither dhclient nor dhcpcd was found)');
    }
    const steps = opsToApplySteps(ops, { dhcpClient: client });
    for (const step of steps) await this.runStep(step, ops, opts.netns);
    return { ran: ops.length };
  }

  private async runStep(step: ApplyStep, ops: readonly LiveOp[], netns?: string): Promise<void> {
    const timeoutMs = this.deps.timeoutMs ?? 60_000;
    if (step.kind === 'ip-batch') {
      const argv = ['ip', '-batch', '-'];
      const r = await this.runOrCatch(argv, { netns, input: step.lines.join('\n') + '\n', timeoutMs });
      if (r.code === 0) return;
      // ip stops at the first failing line; without a line number blame the batch's first op
      const line = ipBatchFailedLine(r.stderr) ?? 0;
      const index = step.opIndexes[Math.min(line, step.lines.length - 1)];
      throw this.failure(ops, index, r.argv, r.stderr, step.lines[line]);
    }
    if (step.kind === 'exec') {
      const r = await this.runOrCatch(step.argv, { netns, timeoutMs });
      if (r.code !== 0) throw this.failure(ops, step.opIndex, r.argv, r.stderr || r.stdout);
      return;
    }
    // sysfs: inside a namespace only `ip netns exec` sees that namespace's /sys
    if (netns !== undefined) {
      const r = await this.runOrCatch(['tee', step.path], { netns, input: `${step.value}\n`, timeoutMs });
      if (r.code !== 0) throw this.failure(ops, step.opIndex, r.argv, r.stderr, undefined, step.path);
      return;
    }
    const full = this.deps.fs.resolve(step.path);
    // sysfs attributes exist or not: never create one (a temp sysroot would accept anything)
    if (!(await this.deps.fs.exists(step.path))) {
      throw this.failure(ops, step.opIndex, [], `${step.path}: no such attribute`, undefined, step.path);
    }
    try {
      await nodeFs.writeFile(full, `${step.value}\n`, { flag: 'w' });
    } catch (e) {
      throw this.failure(ops, step.opIndex, [], `${step.path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, undefined, step.path);
    }
  }

  private async runOrCatch(argv: string[], o: { netns?: string; input?: string; timeoutMs: number }): Promise<ExecResult> {
    try {
      return await this.deps.exec.run(argv, { ...o, allowFail: true });
    } catch (e) {
      // a timeout still throws with allowFail: keep its stderr for the report
      const d = (e as AgentError).detail as { argv?: string[]; code?: number; stderr?: string } | undefined;
      return { argv: d?.argv ?? argv, code: d?.code ?? 1, stdout: '', stderr: d?.stderr ?? (e as Error).message };
    }
  }

  private failure(
    ops: readonly LiveOp[],
    index: number,
    argv: readonly string[],
    stderr: string,
    line?: string,
    path?: string,
  ): AgentError {
    const op = ops[index];
    const what = line ?? path ?? argv.join(' ');
    return new AgentError(
      'NET_APPLY_FAILED',
      `live network operation ${index} (${op?.op}) failed${what ? ` at "${what}"` : ''}: ${stderr.trim().slice(0, 400)}`,
      { index, op, argv, stderr: stderr.slice(0, 2000), ...(line ? { line } : {}), ...(path ? { path } : {}) },
    );
  }

  /** dhclient, else dhcpcd, else null; probed once, outside any namespace (binaries are not per-namespace). */
  private async dhcpClient(): Promise<DhcpClient | undefined> {
    if (this.dhcp === undefined) {
      this.dhcp = null;
      for (const c of ['dhclient', 'dhcpcd'] as const) {
        const r = await this.runOrCatch([c, '--version'], { timeoutMs: 5_000 });
        if (r.code !== 127 && r.code !== 126) {
          this.dhcp = c;
          break;
        }
      }
    }
    return this.dhcp ?? undefined;
  }
}
