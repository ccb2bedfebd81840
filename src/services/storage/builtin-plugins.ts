// The built-in Storage Connect plugins and the one place that builds them from host adapters.
// A new built-in is one more line in builtinPlugins().
import type { Logger } from 'pino';
import type { AgentConfig } from '../../core/config/schema.js';
import type { StoragePlugin } from '../../core/storage/plugin.js';
import type { Exec } from '../../host/exec.js';
import type { HostFs } from '../../host/host-fs.js';
import type { Intents } from '../intents/intents.js';
import { ExecMounter, type Mounter } from '../../host/mounter.js';
import { SandboxMounter } from '../../host/sandbox-mounter.js';
import { procMountTable, type MountTable } from '../../host/storage/mount-table.js';
import { ExecNfsProbe, type NfsProbe } from '../../host/storage/nfs-probe.js';
import { boundedStatvfs, type Statvfs } from '../../host/storage/statvfs.js';
import { createNfsPlugin } from './plugins/nfs/nfs-plugin.js';
import { createOcfs2Plugin } from './plugins/ocfs2/ocfs2-plugin.js';
import { ExecOcfs2Tools, type Ocfs2Tools } from '../../host/storage/ocfs2-tools.js';
import { createGenericScsiPlugin } from './plugins/scsi/generic-scsi-plugin.js';

export interface BuiltinPluginDeps {
  config: AgentConfig;
  exec: Exec;
  fs: HostFs;
  log: Logger;
  /** Overrides for tests and the sandbox; real adapters otherwise. */
  mounter?: Mounter;
  mounts?: MountTable;
  nfsProbe?: NfsProbe;
  ocfs2?: Ocfs2Tools;
  statvfs?: Statvfs;
  intents: Intents;
  /** "Is the cluster online": provided by the cluster area; without it OCFS2 mounts are refused. */
  clusterOnline?: () => Promise<boolean>;
}

export function builtinPlugins(d: BuiltinPluginDeps): StoragePlugin[] {
  const s = d.config.storage;
  // The sandbox never runs the machine's mount on a device or a network location.
  const mounter = d.mounter ?? (d.config.sandbox ? new SandboxMounter() : new ExecMounter(d.exec, s.mountTimeoutMs));
  const mounts = d.mounts ?? procMountTable(d.fs.sysroot);
  const netns = d.config.sandbox ? d.config.network.netns : undefined;
  const statvfs = d.statvfs ?? boundedStatvfs(d.exec, s.probeTimeoutMs);
  return [
    createNfsPlugin({ fs: d.fs, mounter, mounts, statvfs, probe: d.nfsProbe ?? new ExecNfsProbe(d.exec, netns), probeTimeoutMs: s.probeTimeoutMs, intents: d.intents }),
    createOcfs2Plugin({
      fs: d.fs,
      mounter,
      mounts,
      tools: d.ocfs2 ?? new ExecOcfs2Tools(d.exec),
      commandTimeoutMs: s.commandTimeoutMs,
      statvfs,
      intents: d.intents,
      clusterOnline: d.clusterOnline ?? (async () => false),
    }),
    createGenericScsiPlugin({ exec: d.exec, fs: d.fs, intents: d.intents, ...(d.config.sandbox ? { iscsiRecordDir: d.fs.resolve('/etc/iscsi') } : {}) }),
  ];
}
