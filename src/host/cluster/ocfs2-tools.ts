// The offline ocfs2-tools: mkfs.ocfs2 (global heartbeat), tunefs.ocfs2 -Q, mounted.ocfs2 -d,
// debugfs.ocfs2 (stats, the heartbeat file's extent, `cat` of a file); and losetup for the
// pool FS image on NFS. These run for real on this machine; only mounting needs the kernel.
import { AgentError } from '../../core/errors.js';
import {
  debugfsHeartbeatFile,
  debugfsStatsToInfo,
  mountedDetectToList,
  TUNEFS_QUERY,
  tunefsQueryToInfo,
  type DebugfsStats,
  type DetectedOcfs2,
  type TunefsQuery,
} from '../../core/cluster/ocfs2-output.js';
import { failureText, type Exec } from '../exec.js';

export interface MkfsOptions {
  label: string;
  /** Dashed UUID (mkfs's -U form). */
  uuid: string;
  clusterName: string;
  slots: number;
  blockSize?: number;
  clusterSize?: number;
  journalSize?: number;
}

export interface Ocfs2Tools {
  mkfs(device: string, o: MkfsOptions): Promise<void>;
  query(device: string): Promise<TunefsQuery>;
  detect(): Promise<DetectedOcfs2[]>;
  stats(device: string): Promise<DebugfsStats>;
  heartbeatFile(device: string): Promise<{ size: number; blkno: number } | undefined>;
  /** A file of the OCFS2 root directory, read without mounting; undefined when absent. */
  cat(device: string, file: string): Promise<string | undefined>;
}

export function mkfsArgv(device: string, o: MkfsOptions): string[] {
  return [
    'mkfs.ocfs2',
    '-F',
    '-b', String(o.blockSize ?? 4096),
    '-C', String(o.clusterSize ?? 1024 * 1024),
    '-N', String(o.slots),
    '-J', `size=${o.journalSize ?? 64 * 1024 * 1024}`,
    '-L', o.label,
    '-U', o.uuid,
    '--global-heartbeat',
    '--cluster-stack=o2cb',
    `--cluster-name=${o.clusterName}`,
    '--fs-feature-level=max-features',
    device,
  ];
}

export class ExecOcfs2Tools implements Ocfs2Tools {
  constructor(private readonly exec: Exec) {}

  async mkfs(device: string, o: MkfsOptions): Promise<void> {
    try {
      // Without a running stack mkfs asks "Cluster check disabled. Proceed (y/N)" even with -F.
      await this.exec.run(mkfsArgv(device, o), { input: 'y\n', timeoutMs: 600_000 });
    } catch (e) {
      throw new AgentError('POOLFS_FAILED', `mkfs.ocfs2 on ${device} failed: ${failureText(e)}`);
    }
  }

  async query(device: string): Promise<TunefsQuery> {
    const r = await this.exec.run(['tunefs.ocfs2', '-Q', TUNEFS_QUERY, device], { timeoutMs: 60_000 });
    try {
      return tunefsQueryToInfo(r.stdout);
    } catch (e) {
      throw new AgentError('POOLFS_FAILED', `${device}: ${failureText(e)}`);
    }
  }

  async detect(): Promise<DetectedOcfs2[]> {
    const r = await this.exec.run(['mounted.ocfs2', '-d'], { timeoutMs: 60_000, allowFail: true });
    return mountedDetectToList(r.stdout);
  }

  async stats(device: string): Promise<DebugfsStats> {
    const r = await this.exec.run(['debugfs.ocfs2', '-R', 'stats', device], { timeoutMs: 60_000 });
    return debugfsStatsToInfo(r.stdout);
  }

  async heartbeatFile(device: string): Promise<{ size: number; blkno: number } | undefined> {
    const r = await this.exec.run(['debugfs.ocfs2', '-R', 'stat //heartbeat', device], { timeoutMs: 60_000 });
    return debugfsHeartbeatFile(r.stdout);
  }

  async cat(device: string, file: string): Promise<string | undefined> {
    const r = await this.exec.run(['debugfs.ocfs2', '-R', `cat /${file}`, device], { timeoutMs: 60_000, allowFail: true });
    if (r.code !== 0 || /not found/i.test(r.stderr)) return undefined;
    return r.stdout;
  }
}

export interface LoopDevices {
  /** `losetup --find --show FILE`: the device it attached. */
  attach(file: string): Promise<string>;
  detach(device: string): Promise<void>;
  /** `losetup -j FILE`: the devices backed by that file. */
  find(file: string): Promise<string[]>;
}

export class ExecLoopDevices implements LoopDevices {
  constructor(private readonly exec: Exec) {}

  async attach(file: string): Promise<string> {
    const r = await this.exec.run(['losetup', '--find', '--show', file], { timeoutMs: 60_000 });
    const dev = r.stdout.trim();
    if (!/^\/dev\/loop\d+$/.test(dev)) throw new AgentError('POOLFS_FAILED', `losetup attached ${file} to an unexpected device: ${dev.slice(0, 80)}`);
    return dev;
  }

  async detach(device: string): Promise<void> {
    await this.exec.run(['losetup', '-d', device], { timeoutMs: 60_000 });
  }

  async find(file: string): Promise<string[]> {
    const r = await this.exec.run(['losetup', '-j', file], { timeoutMs: 60_000, allowFail: true });
    return r.stdout.split('\n').map((l) => /^(\/dev\/loop\d+):/.exec(l)?.[1]).filter((d): d is string => d !== undefined);
  }
}
