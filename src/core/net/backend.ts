// The config-file backend chosen by config `network.backend`: which files a device has and
// how they are rendered. Both backends render from the same model.
import { IFCFG_DIR, ifcfgFilesFor, ifcfgPathsFor } from './ifcfg-render.js';
import { IFUPDOWN_DIR, IFUPDOWN_META_DIR, ifupdownFilesFor, ifupdownPathsFor } from './ifupdown-render.js';
import type { NetModel } from './model.js';

export type BackendName = 'ifcfg' | 'ifupdown';

export interface FileBackend {
  name: BackendName;
  /** Directories whose files the agent reads to learn the current config. */
  dirs: string[];
  filesFor(m: NetModel, dev: string): Record<string, string>;
  pathsFor(dev: string): string[];
}

export const BACKENDS: Record<BackendName, FileBackend> = {
  ifcfg: { name: 'ifcfg', dirs: [IFCFG_DIR], filesFor: ifcfgFilesFor, pathsFor: ifcfgPathsFor },
  ifupdown: { name: 'ifupdown', dirs: [IFUPDOWN_DIR, IFUPDOWN_META_DIR], filesFor: ifupdownFilesFor, pathsFor: ifupdownPathsFor },
};
