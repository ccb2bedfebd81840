// Builds the storage area from the shared deps: a registry with the built-in plugins, the
// vendor plugins of storage.pluginDir, the service and its RPC methods.
import * as path from 'node:path';
import type { ServiceDeps } from '../context.js';
import type { Feature } from '../../features.js';
import { storageMethods } from '../../rpc/methods/storage.js';
import { builtinPlugins, type BuiltinPluginDeps } from './builtin-plugins.js';
import { StorageRegistry } from './registry.js';
import { StorageService } from './storage-service.js';
import { loadVendorPlugins } from './vendor-plugins.js';

export function buildStorageService(deps: ServiceDeps, overrides: Partial<BuiltinPluginDeps> = {}): StorageService {
  const log = deps.log.child({ component: 'storage' });
  const registry = new StorageRegistry();
  for (const p of builtinPlugins({ config: deps.config, exec: deps.exec, fs: deps.fs, log, intents: deps.intents, ...overrides })) registry.register(p);
  const s = deps.config.storage;
  return new StorageService({
    registry,
    fs: deps.fs,
    clock: deps.clock,
    log,
    jobs: deps.jobs,
    commandTimeoutMs: s.commandTimeoutMs,
    storageLogFile: path.posix.join(deps.config.paths.logDir, 'storage.log'),
    loadVendorPlugins: async () => {
      const r = await loadVendorPlugins(deps.fs.resolve(s.pluginDir), { registry, log });
      if (r.loaded.length || r.refused.length) log.info({ loaded: r.loaded, refused: r.refused.length }, 'vendor storage plugins');
    },
  });
}

export function storageFeature(deps: ServiceDeps, overrides: Partial<BuiltinPluginDeps> = {}): Feature {
  const storage = buildStorageService(deps, overrides);
  return { name: 'storage', methods: storageMethods(storage), start: () => storage.start(), stop: () => storage.stop() };
}
