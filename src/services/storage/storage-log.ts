// /var/log/hvagent/storage.log: one START and one FINISH line per plugin call (the stock
// agent's osc.log). A write failure is logged once in the agent log and never fails the call.
import type { Logger } from 'pino';
import type { Clock } from '../../host/clock.js';
import type { HostFs } from '../../host/host-fs.js';
import { appendLine } from '../../host/line-log.js';
import { finishLine, resultSummary, startLine, type StorageLineInput } from '../../core/storage/storage-log-line.js';
import { isAgentError } from '../../core/errors.js';

export const STORAGE_LOG = '/var/log/hvagent/storage.log';

export class StorageLog {
  private warned = false;

  constructor(private readonly deps: { fs: HostFs; clock: Clock; log: Logger; file?: string }) {}

  private get file(): string {
    return this.deps.file ?? STORAGE_LOG;
  }

  private stamp(): string {
    return new Date(this.deps.clock.now()).toISOString();
  }

  async start(c: Omit<StorageLineInput, 'time'>, args: readonly unknown[]): Promise<void> {
    await this.write(startLine({ ...c, time: this.stamp() }, args));
  }

  async finishOk(c: Omit<StorageLineInput, 'time'>, ms: number, result: unknown): Promise<void> {
    await this.write(finishLine({ ...c, time: this.stamp() }, ms, { ok: true, summary: resultSummary(result) }));
  }

  async finishError(c: Omit<StorageLineInput, 'time'>, ms: number, e: unknown): Promise<void> {
    const code = isAgentError(e) ? e.code : 'INTERNAL';
    const message = e instanceof Error ? e.message : String(e);
    await this.write(finishLine({ ...c, time: this.stamp() }, ms, { ok: false, code, message }));
  }

  private async write(line: string): Promise<void> {
    try {
      await appendLine(this.deps.fs, this.file, line);
    } catch (err) {
      if (!this.warned) this.deps.log.error({ err, file: this.file }, 'cannot write the storage log');
      this.warned = true;
    }
  }
}
