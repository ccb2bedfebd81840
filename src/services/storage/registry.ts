// The plugins the agent knows, by impl name: built-ins first, then vendor plugins from the
// plugin folder. Lookup faults STORAGE_PLUGIN_NOT_FOUND naming what is known.
import { AgentError } from '../../core/errors.js';
import type { PluginInfo, StoragePlugin } from '../../core/storage/plugin.js';

const IMPL_NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,199}$/;

export class StorageRegistry {
  private readonly plugins = new Map<string, StoragePlugin>();

  /** Add a plugin; its impl name must be well formed and not taken. */
  register(plugin: StoragePlugin): void {
    const name = plugin.info?.impl_name;
    if (typeof name !== 'string' || !IMPL_NAME.test(name)) throw new AgentError('STORAGE_INVALID', `plugin impl name is malformed: ${String(name)}`);
    if (plugin.kind !== 'ifs' && plugin.kind !== 'isa') throw new AgentError('STORAGE_INVALID', `plugin ${name}: kind must be 'ifs' or 'isa'`);
    if (plugin.info.plugin_type !== plugin.kind) throw new AgentError('STORAGE_INVALID', `plugin ${name}: plugin_type ${plugin.info.plugin_type} does not match kind ${plugin.kind}`);
    if (this.plugins.has(name)) throw new AgentError('STORAGE_INVALID', `a plugin named ${name} is already registered`);
    this.plugins.set(name, plugin);
  }

  get(impl: string): StoragePlugin {
    const p = this.plugins.get(impl);
    if (!p) {
      throw new AgentError('STORAGE_PLUGIN_NOT_FOUND', `no storage plugin named ${JSON.stringify(impl.slice(0, 200))}; known: ${[...this.plugins.keys()].join(', ') || 'none'}`);
    }
    return p;
  }

  has(impl: string): boolean {
    return this.plugins.has(impl);
  }

  all(): StoragePlugin[] {
    return [...this.plugins.values()];
  }

  infos(): PluginInfo[] {
    return this.all().map((p) => p.info);
  }
}
