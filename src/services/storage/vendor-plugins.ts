// Vendor plugins from the plugin folder (config storage.pluginDir): each `*.js`/`*.mjs` file is
// an ES module exporting createPlugin(env). Like any code the agent runs as root, a file (and
// the folder) must be owned by root and not writable by group or others; otherwise it is refused.
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Logger } from 'pino';
import type { StoragePlugin, VendorPluginModule } from '../../core/storage/plugin.js';
import type { StorageRegistry } from './registry.js';

export interface VendorLoadDeps {
  registry: StorageRegistry;
  log: Logger;
  /** The owner a plugin file must have (root; tests running unprivileged pass their own uid). */
  requiredUid?: number;
}

export interface VendorLoadReport {
  loaded: string[];
  refused: Array<{ file: string; reason: string }>;
}

/** Why a file or folder may not be trusted, or undefined when it may. */
export function untrustedReason(st: { uid: number; mode: number }, requiredUid: number): string | undefined {
  if (st.uid !== requiredUid) return `owned by uid ${st.uid}, not ${requiredUid}`;
  if (st.mode & 0o022) return `writable by group or others (mode ${(st.mode & 0o777).toString(8)})`;
  return undefined;
}

function looksLikePlugin(p: unknown): p is StoragePlugin {
  const o = p as StoragePlugin | undefined;
  return !!o && (o.kind === 'ifs' || o.kind === 'isa') && typeof o.info === 'object' && o.info !== null && typeof o.info.impl_name === 'string';
}

export async function loadVendorPlugins(dir: string, deps: VendorLoadDeps): Promise<VendorLoadReport> {
  const uid = deps.requiredUid ?? 0;
  const report: VendorLoadReport = { loaded: [], refused: [] };
  let dirStat;
  try {
    dirStat = await fsp.stat(dir);
  } catch {
    return report; // no folder: no vendor plugins
  }
  const dirWhy = untrustedReason(dirStat, uid);
  if (dirWhy) {
    deps.log.error({ dir, reason: dirWhy }, 'storage plugin folder refused');
    report.refused.push({ file: dir, reason: dirWhy });
    return report;
  }
  const names = (await fsp.readdir(dir)).filter((n) => /\.(m?js)$/.test(n)).sort();
  for (const name of names) {
    const file = path.join(dir, name);
    const refuse = (reason: string) => {
      deps.log.error({ file, reason }, 'storage plugin refused');
      report.refused.push({ file, reason });
    };
    try {
      const st = await fsp.lstat(file);
      if (!st.isFile()) {
        refuse('not a regular file (symlinks are not followed)');
        continue;
      }
      const why = untrustedReason(st, uid);
      if (why) {
        refuse(why);
        continue;
      }
      const mod = (await import(pathToFileURL(file).href)) as Partial<VendorPluginModule>;
      if (typeof mod.createPlugin !== 'function') {
        refuse('exports no createPlugin(env)');
        continue;
      }
      const plugin = await mod.createPlugin({ log: deps.log.child({ component: 'storage-plugin', file: name }) });
      if (!looksLikePlugin(plugin)) {
        refuse("createPlugin() returned no plugin (needs kind 'ifs'|'isa' and info.impl_name)");
        continue;
      }
      deps.registry.register(plugin);
      report.loaded.push(plugin.info.impl_name);
      deps.log.info({ file, plugin: plugin.info.impl_name }, 'storage plugin loaded');
    } catch (err) {
      refuse(`failed to load: ${(err as Error).message}`);
    }
  }
  return report;
}
