// The kernel cluster stack through the `o2cb` tool (ocfs2-tools 1.8): register/unregister the
// cluster and start/stop the global heartbeat, all reading /etc/ocfs2/cluster.conf; and the
// `mount -t ocfs2` of the pool FS. Failures become CLUSTER_STACK_FAILED with o2cb's words.
import { AgentError } from '../../core/errors.js';
import { failureText, type Exec } from '../exec.js';

export interface ClusterStack {
  registerCluster(name: string): Promise<void>;
  unregisterCluster(name: string): Promise<void>;
  startHeartbeat(name: string): Promise<void>;
  stopHeartbeat(name: string): Promise<void>;
  /** `o2cb cluster-status`: true when the cluster is online. */
  isOnline(name: string): Promise<boolean>;
  mountOcfs2(device: string, dir: string): Promise<void>;
  unmount(dir: string): Promise<void>;
}

export class O2cbStack implements ClusterStack {
  constructor(
    private readonly exec: Exec,
    /** `--config-file` for tests and the sandbox; production reads /etc/ocfs2/cluster.conf. */
    private readonly configFile?: string,
    private readonly timeoutMs = 120_000,
  ) {}

  private async o2cb(verb: string, name: string): Promise<void> {
    const argv = ['o2cb', ...(this.configFile ? [`--config-file=${this.configFile}`] : []), verb, name];
    try {
      await this.exec.run(argv, { timeoutMs: this.timeoutMs });
    } catch (e) {
      throw new AgentError('CLUSTER_STACK_FAILED', `o2cb ${verb} ${name} failed: ${failureText(e)}`, { argv });
    }
  }

  registerCluster(name: string): Promise<void> {
    return this.o2cb('register-cluster', name);
  }

  unregisterCluster(name: string): Promise<void> {
    return this.o2cb('unregister-cluster', name);
  }

  startHeartbeat(name: string): Promise<void> {
    return this.o2cb('start-heartbeat', name);
  }

  stopHeartbeat(name: string): Promise<void> {
    return this.o2cb('stop-heartbeat', name);
  }

  async isOnline(name: string): Promise<boolean> {
    const argv = ['o2cb', ...(this.configFile ? [`--config-file=${this.configFile}`] : []), 'cluster-status', name];
    const r = await this.exec.run(argv, { allowFail: true, timeoutMs: this.timeoutMs });
    return r.code === 0 && /online/i.test(r.stdout) && !/offline/i.test(r.stdout);
  }

  async mountOcfs2(device: string, dir: string): Promise<void> {
    try {
      await this.exec.run(['mount', '-t', 'ocfs2', device, dir], { timeoutMs: this.timeoutMs });
    } catch (e) {
      throw new AgentError('STORAGE_MOUNT_FAILED', `mount -t ocfs2 ${device} ${dir} failed: ${failureText(e)}`);
    }
  }

  async unmount(dir: string): Promise<void> {
    try {
      await this.exec.run(['umount', dir], { timeoutMs: this.timeoutMs });
    } catch (e) {
      throw new AgentError('STORAGE_UNMOUNT_FAILED', `umount ${dir} failed: ${failureText(e)}`);
    }
  }
}
