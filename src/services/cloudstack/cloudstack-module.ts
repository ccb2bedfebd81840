// What Apache CloudStack's agent module (cloudstack.py) does on a host, done by hvagent within
// bounds: files only under the module's paths, commands to virtual routers only over ssh to
// link-local addresses of VMs running here, argv only, and every action logged (no contents).
import * as path from 'node:path';
import type { Logger } from 'pino';
import type { ServiceDeps } from '../context.js';
import type { Hypervisor } from '../../host/libvirt/hypervisor.js';
import type { TcpProbe } from '../../host/tcp-probe.js';
import { AgentError } from '../../core/errors.js';
import { domainXmlToVmCfg, domainXmlVncPort } from '../../core/vm/domain-xml.js';
import { textToVif } from '../../core/vm/vm-cfg.js';
import { isIpv4, networkAddress } from '../../core/net/ip-util.js';
import {
  CLOUDSTACK_VM_NAME, DOMR_KEY, DOMR_PORT, MODULE_ROOTS, SSH_DIR, boundedPath, dom0Stats, fileName, hostArg, neighbourMac, requireLinkLocal,
} from '../../core/cloudstack/module-rules.js';

export interface CloudstackModuleDeps extends Pick<ServiceDeps, 'config' | 'exec' | 'fs' | 'clock'> {
  log: Logger;
  hypervisor: Hypervisor;
  probe: TcpProbe;
  /** Epoch seconds a running domain was started by this agent (0/undefined: unknown). */
  startTimeOf?: (domain: string) => Promise<number | undefined>;
}

export interface DomrResult {
  rc: bigint;
  out: string;
  err: string;
}

const SSH_OPTS = ['-o', 'StrictHostKeyChecking=no', '-o', 'UserKnownHostsFile=/dev/null', '-o', 'BatchMode=yes', '-o', 'LogLevel=ERROR'];
const STORAGE_HEALTH_DIR = '/opt/cloudstack/bin';

export class CloudstackModule {
  private readonly log: Logger;

  constructor(private readonly deps: CloudstackModuleDeps) {
    this.log = deps.log.child({ component: 'cloudstack' });
  }

  private run(argv: string[], timeoutMs: number, network = false) {
    this.log.info({ argv: argv.slice(0, 12) }, 'cloudstack module runs');
    return this.deps.exec.run(argv, { allowFail: true, timeoutMs, netns: network ? this.deps.config.network.netns : undefined });
  }

  /** ping: three echo requests. */
  async ping(host: string): Promise<boolean> {
    const r = await this.run(['ping', '-c', '3', '-W', '2', '--', hostArg('host', host)], 15_000, true);
    return r.code === 0;
  }

  /** check_dom0_ip: is the address on one of this host's interfaces. */
  async dom0HasIp(ip: string): Promise<boolean> {
    if (!isIpv4(ip)) throw new AgentError('INVALID_ARGUMENT', `ip must be an IPv4 address: ${JSON.stringify(ip)}`);
    const r = await this.run(['ip', '-j', '-4', 'addr', 'show'], 10_000, true);
    const links = JSON.parse(r.stdout || '[]') as Array<{ addr_info?: Array<{ local?: string }> }>;
    return links.some((l) => (l.addr_info ?? []).some((a) => a.local === ip));
  }

  /** check_dom0_port / check_domr_port: does a TCP port answer (domr: link-local only). */
  async checkPort(ip: string, port: number, timeoutSec: number, domr: boolean): Promise<boolean> {
    if (domr) requireLinkLocal('domr', ip);
    else hostArg('ip', ip);
    const ok = await this.deps.probe(ip, port, Math.min(timeoutSec, 60) * 1000);
    this.log.info({ ip, port, ok }, 'cloudstack module port check');
    return ok;
  }

  /**
   * ovs_control_interface: the control network route on `dev` only (a route to the same cidr
   * on another device is removed), ARP on. Only a link-local cidr is accepted.
   */
  async controlInterface(dev: string, cidr: string): Promise<boolean> {
    fileName('dev', dev);
    const m = /^(169\.254\.\d{1,3}\.\d{1,3})\/(\d{1,2})$/.exec(cidr);
    if (!m || !isIpv4(m[1]) || Number(m[2]) < 16) throw new AgentError('FORBIDDEN', `cidr must be inside 169.254.0.0/16: ${JSON.stringify(cidr)}`);
    // CloudStack sends the control address with its prefix (169.254.0.1/16): route the network.
    const net = `${networkAddress(m[1], Number(m[2]))}/${m[2]}`;
    const routes = JSON.parse((await this.run(['ip', '-j', '-4', 'route', 'show', 'match', net], 10_000, true)).stdout || '[]') as Array<{ dst?: string; dev?: string }>;
    let present = false;
    for (const r of routes.filter((x) => x.dst === net)) {
      if (r.dev === dev) present = true;
      else await this.run(['ip', 'route', 'del', net, 'dev', r.dev ?? ''], 10_000, true);
    }
    if (!present) {
      const add = await this.run(['ip', 'route', 'add', net, 'dev', dev], 10_000, true);
      if (add.code !== 0) throw new AgentError('NOT_FOUND', `cannot route ${cidr} on ${dev}: ${add.stderr.trim().slice(0, 200)}`);
    }
    await this.run(['ip', 'link', 'set', 'dev', dev, 'arp', 'on'], 10_000, true);
    return true;
  }

  /** ovs_mkdirs: nil when made, true when it was there (as os.makedirs / the module). */
  async mkdirs(dir: string, mode = 0o700): Promise<true | null> {
    const p = boundedPath('dir', dir);
    if (await this.deps.fs.exists(p)) return true;
    await this.deps.fs.mkdirp(p, mode & 0o7777);
    this.log.info({ dir: p }, 'cloudstack module made a directory');
    return null;
  }

  async checkFile(file: string): Promise<boolean> {
    const p = boundedPath('file', file, [SSH_DIR, ...MODULE_ROOTS]);
    return (await this.deps.fs.stat(p))?.isFile() === true;
  }

  /** ovs_upload_file: write path/filename (directory made as needed). */
  async uploadFile(dir: string, filename: string, content: string): Promise<boolean> {
    const p = `${boundedPath('path', dir)}/${fileName('filename', filename)}`;
    await this.deps.fs.mkdirp(path.posix.dirname(p), 0o755);
    await this.deps.fs.writeAtomic(p, content, 0o644);
    this.log.info({ file: p, bytes: Buffer.byteLength(content) }, 'cloudstack module wrote a file');
    return true;
  }

  /** ovs_upload_ssh_key: a key file in root's ~/.ssh, private to root. */
  async uploadSshKey(keyfile: string, content: string): Promise<boolean> {
    const p = `${SSH_DIR}/${fileName('keyfile', keyfile)}`;
    await this.deps.fs.mkdirp(SSH_DIR, 0o700);
    await this.deps.fs.writeAtomic(p, content, 0o600);
    this.log.info({ file: p }, 'cloudstack module wrote an ssh key');
    return true;
  }

  /** exec_domr: one command on a virtual router of this host, over ssh as root with the system VM key. */
  async domrExec(ip: string, cmd: string, timeoutSec = 10): Promise<DomrResult> {
    await this.requireLocalRouter(ip);
    const r = await this.run(['ssh', '-p', String(DOMR_PORT), ...SSH_OPTS, '-o', `ConnectTimeout=${timeoutSec}`, '-i', this.deps.fs.resolve(DOMR_KEY), `root@${ip}`, cmd], (timeoutSec + 120) * 1000, true);
    this.log.info({ domr: ip, rc: r.code, cmdBytes: cmd.length }, 'cloudstack module ran a command on a virtual router');
    return { rc: BigInt(r.code), out: r.stdout, err: r.stderr };
  }

  async domrCheckSsh(ip: string, timeoutSec = 10): Promise<boolean> {
    return (await this.domrExec(ip, 'true', timeoutSec)).rc === 0n;
  }

  /** ovs_domr_upload_file: scp the content to path/file on a virtual router of this host. */
  async domrUploadFile(ip: string, dir: string, file: string, content: string): Promise<boolean> {
    await this.requireLocalRouter(ip);
    if (!dir.startsWith('/') || /[\0\s'"`$;&|<>\\]/.test(dir) || dir.split('/').includes('..')) {
      throw new AgentError('INVALID_ARGUMENT', `path must be a plain absolute path: ${JSON.stringify(dir)}`);
    }
    const tmp = `${this.deps.config.paths.stateDir}/cloudstack-upload-${process.pid}-${this.deps.clock.now()}`;
    await this.deps.fs.writeAtomic(tmp, content, 0o600);
    try {
      const target = `root@${ip}:${dir.replace(/\/$/, '')}/${fileName('file', file)}`;
      const r = await this.run(['scp', '-P', String(DOMR_PORT), '-q', ...SSH_OPTS, '-i', this.deps.fs.resolve(DOMR_KEY), this.deps.fs.resolve(tmp), target], 120_000, true);
      this.log.info({ domr: ip, target, rc: r.code, bytes: Buffer.byteLength(content) }, 'cloudstack module copied a file to a virtual router');
      if (r.code !== 0) throw new AgentError('HOST_COMMAND_FAILED', `scp to ${ip} failed (exit ${r.code}): ${r.stderr.trim().slice(0, 300)}`);
      return true;
    } finally {
      await this.deps.fs.remove(tmp).catch(() => false);
    }
  }

  /** check_dom0_storage_health_check: start storagehealth.py unless it runs; [running, started]. */
  async storageHealthCheck(guid: string, timeoutSec: number, intervalSec: number): Promise<[boolean, boolean]> {
    fileName('guid', guid);
    const script = `${STORAGE_HEALTH_DIR}/storagehealth.py`;
    const running = (await this.run(['pgrep', '-f', script], 5_000)).code === 0;
    if (running) return [true, false];
    const r = await this.run([this.deps.fs.resolve(script), '-g', guid, '-t', String(timeoutSec), '-i', String(intervalSec)], 30_000);
    if (r.code !== 0) throw new AgentError('HOST_COMMAND_FAILED', `${script} did not start (exit ${r.code})`);
    return [false, true];
  }

  /** check_dom0_storage_health: the script's one-shot check (-s), true when it exits 0. */
  async storageHealth(dir: string, script: string, guid: string, timeoutSec: number): Promise<boolean> {
    const p = `${boundedPath('path', dir, [STORAGE_HEALTH_DIR])}/${fileName('script', script)}`;
    fileName('guid', guid);
    const r = await this.run([this.deps.fs.resolve(p), '-g', guid, '-t', String(timeoutSec), '-s'], (timeoutSec + 30) * 1000);
    return r.code === 0;
  }

  async dom0Stats(bridge: string): Promise<Record<string, string>> {
    fileName('bridge', bridge);
    const read = async (p: string) => (await this.deps.fs.readTextIfExists(p)) ?? '';
    return dom0Stats(await read('/proc/stat'), await read('/proc/meminfo'), await read('/proc/net/dev'), bridge);
  }

  /** ovs_domU_stats: one domain's disk, network and CPU counters, as strings. */
  async domUStats(domain: string): Promise<Record<string, string>> {
    const all = await this.deps.hypervisor.bulkStats();
    const s = all.find((d) => d.name === domain);
    if (!s) throw new AgentError('VM_NOT_FOUND', `no running domain ${domain}`);
    const start = await this.deps.startTimeOf?.(domain);
    return {
      rd_bytes: String(s.blockRdBytes ?? 0),
      wr_bytes: String(s.blockWrBytes ?? 0),
      rd_ops: String(s.blockRdReqs ?? 0),
      wr_ops: String(s.blockWrReqs ?? 0),
      tx_bytes: String(s.netTxBytes ?? 0),
      rx_bytes: String(s.netRxBytes ?? 0),
      cputime: String(s.cpuTimeNs / 1e9),
      uptime: String(start ? Math.max(0, Math.floor(this.deps.clock.now() / 1000) - start) : 0),
      vcpus: String(s.vcpus),
    };
  }

  /** get_vncport: the VNC port of a CloudStack-named domain, "0" otherwise. */
  async vncPort(domain: string): Promise<string> {
    if (!CLOUDSTACK_VM_NAME.test(domain)) return '0';
    const d = await this.deps.hypervisor.lookupByName(domain);
    if (!d) return '0';
    return String(domainXmlVncPort(await this.deps.hypervisor.getXml(d.uuid)) ?? 0);
  }

  /**
   * A command may go to `ip` only when it is link-local and its neighbour MAC belongs to a VM
   * running on this host (a TCP connect first fills the neighbour table when it is empty).
   */
  private async requireLocalRouter(ip: string): Promise<void> {
    requireLinkLocal('domr', ip);
    const neigh = async () => neighbourMac((await this.run(['ip', '-j', 'neigh', 'show', 'to', ip], 10_000, true)).stdout, ip);
    let mac = await neigh();
    if (!mac) {
      await this.deps.probe(ip, DOMR_PORT, 3000);
      mac = await neigh();
    }
    const macs = new Set<string>();
    for (const d of (await this.deps.hypervisor.listDomains()).filter((x) => x.id !== null)) {
      const cfg = domainXmlToVmCfg(await this.deps.hypervisor.getXml(d.uuid));
      for (const v of Array.isArray(cfg.vif) ? (cfg.vif as string[]) : []) {
        const m = textToVif(v).mac;
        if (m) macs.add(m.toLowerCase());
      }
    }
    if (!mac || !macs.has(mac)) {
      throw new AgentError('FORBIDDEN', `${ip} is not the address of a virtual machine running on this host`);
    }
  }
}
