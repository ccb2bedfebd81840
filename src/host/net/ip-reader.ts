// NetReader over iproute2 JSON (`ip -j -d link`, `ip -j addr`, `ip -j route`), run inside a
// network namespace when asked; on the real host it adds what sysfs and procfs know (bonding
// driver state, speed, driver), read through HostFs so tests use a recorded tree.
import { ipJsonToSnapshot } from '../../core/net/host-parse/ip-json.js';
import { sysfsFactsToSnapshot, type HostSysfsFacts, type LinkSysfsFacts } from '../../core/net/host-parse/sysfs-facts.js';
import { AgentError } from '../../core/errors.js';
import type { Exec } from '../exec.js';
import type { HostFs } from '../host-fs.js';
import type { NetReader } from './live-ops.js';
import type { HostNetSnapshot, LinkSnap } from './snapshot.js';

export interface IpNetReaderDeps {
  exec: Exec;
  fs: HostFs;
}

const BONDING_FILES = [
  'mode', 'miimon', 'updelay', 'downdelay', 'primary', 'primary_reselect', 'active_slave', 'lacp_rate',
  'xmit_hash_policy', 'mii_status', 'slaves', 'fail_over_mac', 'ad_aggregator', 'ad_num_ports', 'ad_actor_key',
  'ad_partner_key', 'ad_partner_mac',
];
const SLAVE_FILES = ['state', 'mii_status', 'link_failure_count', 'perm_hwaddr', 'ad_aggregator_id'];

export class IpNetReader implements NetReader {
  constructor(private readonly deps: IpNetReaderDeps) {}

  async read(opts: { netns?: string } = {}): Promise<HostNetSnapshot> {
    const { exec } = this.deps;
    const run = async (argv: string[]) => (await exec.run(argv, { netns: opts.netns, timeoutMs: 30_000 })).stdout;
    const [link, addr, route] = await Promise.all([
      run(['ip', '-j', '-d', 'link', 'show']),
      run(['ip', '-j', 'addr', 'show']),
      run(['ip', '-j', 'route', 'show']),
    ]);
    let base: HostNetSnapshot;
    try {
      base = ipJsonToSnapshot({ link, addr, route }, { foreignVethIsPhysical: opts.netns !== undefined });
    } catch (e) {
      throw new AgentError('HOST_COMMAND_FAILED', `cannot parse iproute2 JSON: ${(e as Error).message}`, { netns: opts.netns });
    }
    // Inside a namespace sysfs shows the agent's own namespace: ip -d is the only truth there.
    if (opts.netns !== undefined) return base;
    return sysfsFactsToSnapshot(base, await this.collectFacts(base.links));
  }

  /** Reads the sysfs/procfs files the pure merge needs; absent files are simply left out. */
  async collectFacts(links: readonly LinkSnap[]): Promise<HostSysfsFacts> {
    const out: Record<string, LinkSysfsFacts> = {};
    await Promise.all(
      links.map(async (l) => {
        out[l.name] = await this.linkFacts(l.name);
      }),
    );
    return { links: out, procNetVlan: await this.readFile('/proc/net/vlan/config') };
  }

  private async readFile(p: string): Promise<string | undefined> {
    try {
      return await this.deps.fs.readTextIfExists(p);
    } catch {
      // sysfs answers EINVAL for e.g. the speed of a down link: treat as unknown
      return undefined;
    }
  }

  private async readDir(dir: string, names: readonly string[]): Promise<Record<string, string> | undefined> {
    if (!(await this.deps.fs.exists(dir))) return undefined;
    const files: Record<string, string> = {};
    for (const n of names) {
      const v = await this.readFile(`${dir}/${n}`);
      if (v !== undefined) files[n] = v;
    }
    return files;
  }

  private async linkFacts(name: string): Promise<LinkSysfsFacts> {
    const base = `/sys/class/net/${name}`;
    const f: LinkSysfsFacts = {};
    if (!(await this.deps.fs.exists(base))) return f;
    f.hasDevice = await this.deps.fs.exists(`${base}/device`);
    f.speed = await this.readFile(`${base}/speed`);
    if (f.hasDevice) f.uevent = await this.readFile(`${base}/device/uevent`);
    f.bonding = await this.readDir(`${base}/bonding`, BONDING_FILES);
    f.bondingSlave = await this.readDir(`${base}/bonding_slave`, SLAVE_FILES);
    if (f.bonding) f.procBonding = await this.readFile(`/proc/net/bonding/${name}`);
    if (await this.deps.fs.exists(`${base}/bridge`)) {
      f.bridge = {
        stp_state: await this.readFile(`${base}/bridge/stp_state`),
        forward_delay: await this.readFile(`${base}/bridge/forward_delay`),
        brif: await this.deps.fs.list(`${base}/brif`),
      };
    }
    for (const k of Object.keys(f) as Array<keyof LinkSysfsFacts>) if (f[k] === undefined) delete f[k];
    return f;
  }
}
