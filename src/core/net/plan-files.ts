// File planner: which config files change between the current and the desired model. A device's
// files are touched only when their rendering differs; files the agent did not write are never
// deleted (a removed device's hand-written file is replaced by a disabled stub, its content kept
// by the service for rollback).
import type { FileBackend } from './backend.js';
import { IFCFG_HEADER, isAgentWritten } from './ifcfg-render.js';
import type { NetModel } from './model.js';

export interface FileChange {
  path: string;
  /** Content before (absent: the file did not exist). */
  old?: string;
  /** Content after (absent: the file is deleted). */
  new?: string;
}

function disabledStub(path: string): string {
  const dev = /(?:ifcfg-|meta-)?([^/]+)$/.exec(path)?.[1] ?? path;
  return path.includes('/meta-') || path.includes('network-meta')
    ? IFCFG_HEADER
    : `${IFCFG_HEADER}# ${dev} was removed by hvagent; the hand-written file it replaced is kept in the agent database.\nDEVICE=${dev}\nONBOOT=no\n`;
}

export function planFiles(
  cur: NetModel,
  des: NetModel,
  backend: FileBackend,
  existing: Readonly<Record<string, string | undefined>>,
): FileChange[] {
  const out: FileChange[] = [];
  const names = [...new Set([...Object.keys(cur.ifaces), ...Object.keys(des.ifaces)])].sort();
  for (const n of names) {
    const before = backend.filesFor(cur, n);
    const after = backend.filesFor(des, n);
    const paths = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    if (paths.every((p) => before[p] === after[p])) continue;
    for (const p of backend.pathsFor(n)) {
      const old = existing[p];
      let next = after[p];
      if (next === undefined && old !== undefined && !isAgentWritten(old)) next = disabledStub(p);
      if (next === old) continue;
      const ch: FileChange = { path: p };
      if (old !== undefined) ch.old = old;
      if (next !== undefined) ch.new = next;
      out.push(ch);
    }
  }
  return out;
}
