// The checkpoint of a network change, kept as its intent in the database before the first
// file is written: the old contents of every file the change writes, the network rows, and
// the model the host had. The same code puts it back after a failed step and after a crash
// (at agent start and in restore-networks).
import type { Logger } from 'pino';
import { canonicalize } from '../../core/net/canonicalize.js';
import type { NetModel } from '../../core/net/model.js';
import { planLive } from '../../core/net/plan-live.js';
import { mergeCurrent, snapshotToModel } from '../../core/net/snapshot-to-model.js';
import type { NetworkConfigRepo, NetRowsCheckpoint } from '../../store/network-config.js';
import type { NetworkServiceDeps } from './deps.js';

export const INTENT_NET_CHANGE = 'net-change';

export interface NetCheckpoint {
  label: string;
  /** The address of the caller that made the change: only its calls confirm connectivity. */
  caller?: string;
  /** Every file the change writes, with its content before (null: it did not exist). */
  files: Array<{ path: string; old: string | null }>;
  rows: NetRowsCheckpoint;
  /** The host's model before the change, and the part of it the files described. */
  current: NetModel;
  filesModel: NetModel;
  /** Devices that were down before. */
  down: string[];
}

export interface RollbackReport {
  files: string[];
  ops: number;
  db?: 'restored';
  fileError?: string;
  liveError?: string;
  dbError?: string;
}

export function rollbackFailed(r: RollbackReport): string[] {
  const out: string[] = [];
  if (r.fileError) out.push(`files (${r.fileError})`);
  if (r.liveError) out.push(`live devices (${r.liveError})`);
  if (r.dbError) out.push(`stored config (${r.dbError})`);
  return out;
}

/**
 * Puts files, live state and rows back as they were at the checkpoint. Writing a file back
 * that was never changed is a no-op, so the whole list is restored, whichever step failed.
 */
export async function restoreCheckpoint(
  deps: Pick<NetworkServiceDeps, 'fs' | 'reader' | 'applier'>,
  repo: NetworkConfigRepo,
  cp: NetCheckpoint,
  opts: { netns?: string; live: boolean; log: Logger },
): Promise<RollbackReport> {
  const { fs } = deps;
  const report: RollbackReport = { files: [], ops: 0 };
  for (const f of [...cp.files].reverse()) {
    try {
      if (f.old === null) {
        if (await fs.remove(f.path)) report.files.push(f.path);
      } else if ((await fs.writeAtomic(f.path, f.old)).changed) report.files.push(f.path);
    } catch (e) {
      opts.log.error({ err: e, path: f.path }, 'rollback: cannot restore file');
      report.fileError = (e as Error).message;
    }
  }
  if (opts.live) {
    try {
      const snap = await deps.reader.read({ netns: opts.netns });
      const before = new Set(cp.down);
      const now = canonicalize(mergeCurrent(snapshotToModel(snap), cp.filesModel, repo.get('running')));
      const down = new Set(snap.links.filter((l) => !l.up && now.ifaces[l.name]).map((l) => l.name));
      // devices the failed change took down come back up; the planner only raises touched ones
      const ops = planLive(now, cp.current, { down: new Set([...down].filter((n) => !before.has(n))) });
      for (const n of down) {
        if (!before.has(n) && cp.current.ifaces[n] && !ops.some((o) => o.op === 'link-set-up' && o.name === n)) ops.push({ op: 'link-set-up', name: n });
      }
      for (const n of before) if (now.ifaces[n] && !down.has(n)) ops.push({ op: 'link-set-down', name: n });
      if (ops.length) await deps.applier.apply(ops, { netns: opts.netns });
      report.ops = ops.length;
    } catch (e) {
      opts.log.error({ err: e }, 'rollback: live state not fully restored');
      report.liveError = (e as Error).message;
    }
  }
  try {
    repo.restore(cp.rows);
    report.db = 'restored';
  } catch (e) {
    report.dbError = (e as Error).message;
  }
  return report;
}
