// Gives the memory malloc keeps after a burst of connections back to the kernel: glibc returns
// freed memory only from the top of its heaps, so after thousands of TLS connections the agent
// stayed near its peak RSS (README, Benchmarks). native/malloc-trim.c calls malloc_trim(0); it is
// built next to dist by scripts/build-native.sh. Without it (not built, not glibc) nothing runs.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Logger } from 'pino';
import type { Clock, TimerHandle } from './clock.js';

export type Trim = () => boolean;

/** dist/src/host/ → dist/native/malloc-trim.node (where scripts/build-native.sh puts it). */
const DEFAULT_FILE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../native/malloc-trim.node');

/** The addon's trim(), or undefined when it is not there or does not load. */
export function loadMallocTrim(file = DEFAULT_FILE): Trim | undefined {
  try {
    const mod = createRequire(import.meta.url)(file) as { trim?: unknown };
    return typeof mod.trim === 'function' ? (mod.trim as Trim) : undefined;
  } catch {
    return undefined;
  }
}

export interface MemoryTrimmerDeps {
  trim: Trim;
  clock: Clock;
  /** Resident bytes now (process.memoryUsage.rss in production). */
  rss: () => number;
  log: Logger;
  /** How often RSS is looked at. */
  intervalMs?: number;
  /** Growth over the RSS at start that makes a trim worth it. */
  slackBytes?: number;
}

/** Every intervalMs, trims when RSS is more than slackBytes over its value at start; returns a stop. */
export function startMemoryTrimmer(d: MemoryTrimmerDeps): () => void {
  const interval = d.intervalMs ?? 30_000;
  const slack = d.slackBytes ?? 32 * 1024 * 1024;
  const base = d.rss();
  let timer: TimerHandle | undefined;
  const tick = () => {
    const before = d.rss();
    if (before > base + slack) {
      d.trim();
      const after = d.rss();
      if (before - after > slack) d.log.info({ beforeMB: Math.round(before / 1048576), afterMB: Math.round(after / 1048576) }, 'memory kept by malloc given back');
    }
    timer = d.clock.setTimeout(tick, interval);
  };
  timer = d.clock.setTimeout(tick, interval);
  return () => timer?.cancel();
}
