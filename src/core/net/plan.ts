// The whole plan of one network change: ordered live operations plus file changes.
import type { LiveOp } from './live-ops.js';
import type { FileBackend } from './backend.js';
import { planFiles, type FileChange } from './plan-files.js';
import { planLive, type LivePlanOptions } from './plan-live.js';
import type { NetModel } from './model.js';

export interface NetPlan {
  ops: LiveOp[];
  files: FileChange[];
}

export function planChange(
  cur: NetModel,
  des: NetModel,
  backend: FileBackend,
  existingFiles: Readonly<Record<string, string | undefined>>,
  opts: LivePlanOptions = {},
): NetPlan {
  return { ops: planLive(cur, des, opts), files: planFiles(cur, des, backend, existingFiles) };
}

export function isEmptyPlan(p: NetPlan): boolean {
  return p.ops.length === 0 && p.files.length === 0;
}
