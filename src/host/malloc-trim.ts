// Gives the memory a burst of connections leaves back to the kernel: a full GC (V8 keeps the pages
// of collected garbage until much later in an idle process), then malloc_trim(0) (glibc returns
// freed memory only from the top of its heaps), so the agent does not stay near its peak RSS
// (README, Benchmarks). native/malloc-trim.c is built next to dist by scripts/build-native.sh;
// without it (not built, not glibc) only the GC runs.
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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

/**
 * A full garbage collection, so the JS engine gives back the pages of what a burst left (an idle
 * process collects it only much later). V8 exposes gc() to a new context once the flag is set.
 */
export function loadFullGc(): (() => void) | undefined {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as unknown;
    return typeof gc === 'function' ? (gc as () => void) : undefined;
  } catch {
    return undefined;
  }
}

export interface MemoryTrimmerDeps {
  /** malloc_trim (the addon), when built. */
  trim?: Trim;
  /** A full GC first (loadFullGc), when available. */
  gc?: () => void;
  clock: Clock;
  /** Resident bytes now (process.memoryUsage.rss in production). */
  rss: () => number;
  log: Logger;
  /** How often RSS is looked at. */
  intervalMs?: number;
  /** Growth over the RSS at start that makes a trim worth it. */
  slackBytes?: number;
}

/**
 * Every intervalMs, collects and trims when RSS is more than slackBytes over its value at start;
 * returns a stop. While an agent really uses that much this costs one full GC per interval (tens
 * of milliseconds on a heap of this size), which is cheaper than staying at a burst's peak.
 */
export function startMemoryTrimmer(d: MemoryTrimmerDeps): () => void {
  const interval = d.intervalMs ?? 30_000;
  const slack = d.slackBytes ?? 32 * 1024 * 1024;
  const base = d.rss();
  let timer: TimerHandle | undefined;
  const tick = () => {
    const before = d.rss();
    if (before > base + slack) {
      d.gc?.();
      d.trim?.();
      const after = d.rss();
      if (before - after > slack) d.log.info({ beforeMB: Math.round(before / 1048576), afterMB: Math.round(after / 1048576) }, 'memory kept after a burst given back');
    }
    timer = d.clock.setTimeout(tick, interval);
  };
  timer = d.clock.setTimeout(tick, interval);
  return () => timer?.cancel();
}
