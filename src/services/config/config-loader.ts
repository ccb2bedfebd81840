// Loads /etc/hvagent/agent.yaml (validated, every problem listed at once) and watches it:
// live keys (LIVE_KEYS) are applied through a callback; any other change is logged as
// needing a restart.
import * as fs from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { watch, type FSWatcher } from 'chokidar';
import type { Logger } from 'pino';
import { AgentError } from '../../core/errors.js';
import { LIVE_KEYS, changedKeys, parseConfig, type AgentConfig, type ConfigProblem } from '../../core/config/schema.js';

export const DEFAULT_CONFIG_PATH = '/etc/hvagent/agent.yaml';

export class ConfigInvalidError extends AgentError {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super('CONFIG_INVALID', `${file}: ${problems.length} problem(s):\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  }
}

/** Parse YAML text plus overrides (deep-merged) into a frozen config. */
export function configFromText(text: string, file: string, overrides: Record<string, unknown> = {}): AgentConfig {
  let raw: unknown;
  try {
    raw = text.trim() === '' ? {} : parseYaml(text);
  } catch (e) {
    throw new ConfigInvalidError(file, [{ path: '(yaml)', message: (e as Error).message }]);
  }
  if (raw !== null && (typeof raw !== 'object' || Array.isArray(raw))) {
    throw new ConfigInvalidError(file, [{ path: '(root)', message: 'expected a mapping' }]);
  }
  const r = parseConfig(deepMerge((raw ?? {}) as Record<string, unknown>, overrides));
  if (!r.ok) throw new ConfigInvalidError(file, r.problems);
  return r.config;
}

/** Read the config file; a missing file means all defaults. */
export function loadConfig(file: string, overrides: Record<string, unknown> = {}): AgentConfig {
  let text = '';
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new ConfigInvalidError(file, [{ path: '(file)', message: (e as Error).message }]);
    }
  }
  return configFromText(text, file, overrides);
}

export function deepMerge(a: Record<string, unknown>, b: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const cur = out[k];
    out[k] =
      v && typeof v === 'object' && !Array.isArray(v) && cur && typeof cur === 'object' && !Array.isArray(cur)
        ? deepMerge(cur as Record<string, unknown>, v as Record<string, unknown>)
        : v;
  }
  return out;
}

export interface ConfigWatcherDeps {
  file: string;
  overrides: Record<string, unknown>;
  log: Logger;
  current: () => AgentConfig;
  /** Called with the new config and the live keys that changed. */
  onLiveChange: (next: AgentConfig, keys: string[]) => void;
}

export class ConfigWatcher {
  private watcher: FSWatcher | undefined;

  constructor(private readonly deps: ConfigWatcherDeps) {}

  start(): void {
    this.watcher = watch(this.deps.file, { ignoreInitial: true, awaitWriteFinish: { stabilityThreshold: 100, pollInterval: 20 } });
    this.watcher.on('add', () => this.reload());
    this.watcher.on('change', () => this.reload());
  }

  async stop(): Promise<void> {
    await this.watcher?.close();
  }

  /** Returns the live keys applied (exposed for tests). */
  reload(): string[] {
    const { log } = this.deps;
    let next: AgentConfig;
    try {
      next = loadConfig(this.deps.file, this.deps.overrides);
    } catch (e) {
      log.error({ err: (e as Error).message }, 'config change ignored: the new file is invalid');
      return [];
    }
    const changed = changedKeys(this.deps.current(), next);
    if (changed.length === 0) return [];
    const live = changed.filter((k) => LIVE_KEYS.includes(k));
    const restart = changed.filter((k) => !LIVE_KEYS.includes(k));
    if (restart.length > 0) log.warn({ keys: restart }, 'config changed: these keys take effect after a restart');
    if (live.length > 0) {
      log.info({ keys: live }, 'config reloaded live');
      this.deps.onLiveChange(next, live);
    }
    return live;
  }
}
