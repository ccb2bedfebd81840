// A real pool on one machine: N sandbox agent processes, each in its own network namespace on
// one bridge, each with its own sanlock daemon in its process group, a shared directory as the
// pool FS and a shared repository, formed into a clustered pool through the agents' own RPC
// methods as a manager would. Used by scripts/pool-sandbox.sh and test/integration/ha-pool.
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { XmlRpcClient } from '../../src/rpc/client.js';
import { SANLOCK, buildSetrlimitShim, sanlockDaemonArgs } from './sanlock-daemons.js';
import { bind, claimBridge, killPids, memberIp, memberNetns, pidsOfMember, unmountUnder, unwire, vipOf, wireManager, wireMember } from './pool-lab-net.js';

export const repo = path.resolve(import.meta.dirname, '../..');
export const PORT = 18900;
export const MGR = '0004fb0000020000ba9aaf00ae5e2d73';
const uuid = (kind: string, k: number) => `0004fb0000${kind}0000${String(k).padStart(4, '0')}aa9aaf00ae5e`;
export const poolUuid = (k: number) => uuid('01', k);
export const repoUuid = (k: number) => uuid('03', k);
const FS_UUID = (k: number) => uuid('05', k);
const BASE_UUID = (k: number) => uuid('06', k);

/** DIR/pool.json: the contract the chaos run and the bench read. */
export interface PoolFile {
  vip: string;
  members: Array<{ node: number; url: string; user: string; password: string; pid: number; pgid: number; netns: string; sanlock_pid: number }>;
}

export interface LabMember {
  node: number;
  dir: string;
  netns: string;
  ip: string;
  url: string;
  password: string;
  pid: number;
  sanlockPid: number;
  memMiB: number;
}

export interface LabOptions {
  dir: string;
  n: number;
  /** Memory of each member's test-driver node (MiB); default 4096. */
  memMiB?: number | number[];
  /** First pool index to try (bridge hmbr<k>, subnet 10.189.<k>.0/24). */
  fromK?: number;
  log?: (line: string) => void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Without CAP_SYS_RESOURCE sanlock cannot raise its memlock limit: the test-only shim then. */
function shimIfNeeded(dir: string): string | undefined {
  const capEff = /CapEff:\s*([0-9a-f]+)/.exec(fs.readFileSync('/proc/self/status', 'utf8'))?.[1] ?? '0';
  if ((BigInt(`0x${capEff}`) >> 24n) & 1n) return undefined;
  return buildSetrlimitShim(dir);
}

/** One call to a member (or the VIP) from the root namespace; a fresh connection each time. */
export async function rpc(url: string, password: string, method: string, params: unknown[], timeoutMs = 30_000): Promise<unknown> {
  const u = url.replace('https://', `https://oracle:${encodeURIComponent(password)}@`);
  const c = new XmlRpcClient({ url: u, rejectUnauthorized: false, timeoutMs });
  try {
    return await c.call(method, params);
  } finally {
    c.close();
  }
}

export class PoolLab {
  readonly members: LabMember[] = [];
  /** Members killed or stopped and not launched again: not asked (a call would hang on ARP). */
  readonly down = new Set<number>();
  readonly vip: string;
  private stopped = false;

  private constructor(
    readonly k: number,
    readonly dir: string,
    private shim: string | undefined,
    private readonly log: (line: string) => void,
  ) {
    this.vip = vipOf(k);
  }

  /** Wires, starts and forms the pool; resolves once a master holds the VIP. */
  static async start(o: LabOptions): Promise<PoolLab> {
    const dir = path.resolve(o.dir);
    cleanStale(dir);
    fs.mkdirSync(dir, { recursive: true });
    const k = claimBridge(o.fromK ?? 0);
    // written first, so a run killed at any point can be cleaned up by the next one
    fs.writeFileSync(path.join(dir, 'lab.json'), JSON.stringify({ k, n: o.n }) + '\n');
    const lab = new PoolLab(k, dir, undefined, o.log ?? (() => {}));
    try {
      lab.shim = shimIfNeeded(dir);
      // one agent password for the pool, as a manager has: the stand-in reaches the VIP with it
      const pw = randomBytes(18).toString('base64url');
      for (let i = 0; i < o.n; i++) {
        fs.mkdirSync(lab.memberDir(i), { recursive: true });
        fs.writeFileSync(path.join(lab.memberDir(i), 'password'), pw + '\n', { mode: 0o600 });
      }
      for (const d of ['export', 'repo']) fs.mkdirSync(path.join(dir, d), { recursive: true });
      const mem = (i: number) => (Array.isArray(o.memMiB) ? o.memMiB[i] : o.memMiB) ?? 4096;
      await Promise.all(Array.from({ length: o.n }, (_, i) => lab.launch(i, mem(i))));
      await lab.form();
      await lab.waitMaster(60_000);
      lab.writePoolFile();
      return lab;
    } catch (e) {
      await lab.stop();
      throw e;
    }
  }

  private memberDir(i: number): string {
    return path.join(this.dir, `n${i}`);
  }

  /** Starts (or restarts) member i: its sanlock daemon and its agent, one process group. */
  async launch(i: number, memMiB = this.members[i]?.memMiB ?? 4096): Promise<LabMember> {
    const k = this.k;
    const mdir = this.memberDir(i);
    const ns = memberNetns(k, i);
    const runDir = path.join(mdir, 'sanlock-run');
    fs.mkdirSync(path.join(mdir, 'root/etc'), { recursive: true });
    fs.mkdirSync(runDir, { recursive: true });
    fs.writeFileSync(path.join(mdir, 'root/etc/hostname'), `hm${k}-n${i}\n`);
    // rpc.ownerCheck off: the lab has several callers (this driver, the manager stand-in, a
    // chaos run), all with the pool's one password
    fs.writeFileSync(path.join(mdir, 'agent.yaml'), `rpc:\n  ownerCheck: 'off'\ncluster:\n  stack: none\nha:\n  ioTimeout: 1\n  fence: stop-vms\n  sanlockRunDir: ${runDir}\n`);
    fs.writeFileSync(
      path.join(mdir, 'libvirt-node.xml'),
      `<node>\n  <cpu><mhz>2000</mhz><model>i686</model><nodes>1</nodes><sockets>1</sockets><cores>2</cores><threads>1</threads><active>2</active></cpu>\n  <memory>${memMiB * 1024}</memory>\n</node>\n`,
    );
    // the NFS export and the shared repository, as the member's mounts would show them
    const exportAt = path.join(mdir, `root/nfsmnt/${BASE_UUID(k)}`);
    if (!isMountPoint(exportAt)) bind(path.join(this.dir, 'export'), exportAt);
    const repoAt = path.join(mdir, 'root/data/hmrepo');
    if (!isMountPoint(repoAt)) bind(path.join(this.dir, 'repo'), repoAt);
    await wireMember(k, i);
    fs.rmSync(path.join(mdir, 'sandbox.json'), { force: true });
    fs.rmSync(path.join(mdir, 'sanlock.pid'), { force: true });
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    // sanlock runs in the agent's mount namespace (ip netns exec makes one): it must see the
    // pool FS bind the agent makes there. `exec` keeps the agent's pid = the group's id.
    const script = [
      `LD_PRELOAD=${q(this.shim ?? '')} ${[SANLOCK, ...sanlockDaemonArgs(ns)].map(q).join(' ')} 2>>${q(path.join(mdir, 'sanlock.log'))} &`,
      `echo $! > ${q(path.join(mdir, 'sanlock.pid'))}`,
      `i=0; until ${SANLOCK} client status >/dev/null 2>&1 || [ $i -ge 100 ]; do sleep 0.1; i=$((i+1)); done`,
      `exec ${q(process.execPath)} --import tsx src/cli/main.ts serve --sandbox ${q(mdir)} --port ${PORT} --address 0.0.0.0 --netns ${ns} --libvirt-uri ${q(`test://${path.join(mdir, 'libvirt-node.xml')}`)}`,
    ].join('\n');
    const out = fs.openSync(path.join(mdir, 'agent.out'), 'a');
    const child = spawn('ip', ['netns', 'exec', ns, 'sh', '-c', script], {
      cwd: repo,
      detached: true,
      stdio: ['ignore', out, out],
      env: { ...process.env, SANLOCK_RUN_DIR: runDir, HVPOOL_MEMBER: mdir },
    });
    fs.closeSync(out);
    child.unref();
    const pid = child.pid!;
    for (let t = 0; t < 600; t++) {
      const info = readJson<{ password: string; pid: number }>(path.join(mdir, 'sandbox.json'));
      const sanlockPid = Number(fs.existsSync(path.join(mdir, 'sanlock.pid')) ? fs.readFileSync(path.join(mdir, 'sanlock.pid'), 'utf8') : NaN);
      if (info && info.pid === pid && sanlockPid > 0) {
        const m: LabMember = { node: i, dir: mdir, netns: ns, ip: memberIp(k, i), url: `https://${memberIp(k, i)}:${PORT}/api/3/`, password: info.password, pid, sanlockPid, memMiB };
        this.members[i] = m;
        this.down.delete(i);
        this.log(`member ${i} up: pid ${pid}, sanlock ${sanlockPid}, ${m.url}`);
        return m;
      }
      if (child.exitCode !== null || !alive(pid)) break;
      await sleep(100);
    }
    killPids([-pid]);
    throw new Error(`member ${i} did not start:\n${tail(path.join(mdir, 'agent.out'))}`);
  }

  call(i: number, method: string, ...params: unknown[]): Promise<unknown> {
    const m = this.members[i];
    return rpc(m.url, m.password, method, params);
  }

  /** The clustered pool, as a manager forms it: ownership, pool FS, create/join, repository. */
  private async form(): Promise<void> {
    const k = this.k;
    const all = this.members.map((_, i) => i);
    await Promise.all(all.map((i) => this.call(i, 'take_ownership', MGR)));
    await Promise.all(all.map((i) => this.call(i, 'create_pool_filesystem', 'nfs', `hm-nfs:/pool${k}`, `hmpool${k}`, FS_UUID(k), BASE_UUID(k), MGR, poolUuid(k))));
    for (const i of all) {
      const args = [`hmpool${k}`, poolUuid(k), this.vip, i, `hm${k}-n${i}`, memberIp(k, i)];
      await this.call(i, i === 0 ? 'create_server_pool' : 'join_server_pool', ...args);
    }
    const mp = `/OVS/Repositories/${repoUuid(k)}`;
    await this.call(0, 'create_repository', '/data/hmrepo', mp, repoUuid(k), 'hmrepo');
    for (const i of all.slice(1)) await this.call(i, 'add_repository', '/data/hmrepo', mp);
    this.log(`pool ${poolUuid(k)} formed: ${all.length} members, VIP ${this.vip}`);
  }

  /** get_ha_state of every member that answers (undefined for one that does not). */
  async haStates(): Promise<Array<Record<string, unknown> | undefined>> {
    const ask = (m: LabMember) => rpc(m.url, m.password, 'get_ha_state', [], 5000) as Promise<Record<string, unknown>>;
    return Promise.all(this.members.map((m, i) => (m && !this.down.has(i) ? ask(m).catch(() => undefined) : undefined)));
  }

  /** The member that is master with the VIP up; waits up to timeoutMs. */
  async waitMaster(timeoutMs: number, not?: number): Promise<number> {
    const end = Date.now() + timeoutMs;
    while (Date.now() < end) {
      const st = await this.haStates();
      const i = st.findIndex((s, j) => j !== not && s?.master === true && s.vipUp === true);
      if (i >= 0) return i;
      await sleep(250);
    }
    throw new Error(`no master with the VIP within ${timeoutMs} ms`);
  }

  writePoolFile(): void {
    const file: PoolFile = {
      vip: this.vip,
      members: this.members.map((m) => ({ node: m.node, url: m.url, user: 'oracle', password: m.password, pid: m.pid, pgid: m.pid, netns: m.netns, sanlock_pid: m.sanlockPid })),
    };
    const tmp = path.join(this.dir, '.pool.json.tmp');
    fs.writeFileSync(tmp, JSON.stringify(file, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, path.join(this.dir, 'pool.json'));
  }

  /** A host dying: SIGKILL to the member's process group, and to the lease holders it left. */
  kill(i: number): void {
    const m = this.members[i];
    this.down.add(i);
    killPids([-m.pid]);
    killPids(pidsOfMember(m.dir));
  }

  /** SIGSTOP / SIGCONT of the whole host (agent, sanlock, its lease holders). */
  freeze(i: number, on: boolean): void {
    const m = this.members[i];
    const sig = on ? 'SIGSTOP' : 'SIGCONT';
    killPids([-m.pid, ...pidsOfMember(m.dir)], sig);
  }

  /** Planned stop of one member's agent (SIGTERM), then its sanlock daemon. */
  async stopMember(i: number): Promise<void> {
    const m = this.members[i];
    if (!m) return;
    this.down.add(i);
    killPids([m.pid], 'SIGTERM');
    for (let t = 0; t < 200 && alive(m.pid); t++) await sleep(100);
    spawnSync(SANLOCK, ['client', 'shutdown', '-f', '1'], { env: { ...process.env, SANLOCK_RUN_DIR: path.join(m.dir, 'sanlock-run') }, timeout: 5000, stdio: 'ignore' });
    for (let t = 0; t < 50 && alive(m.sanlockPid); t++) await sleep(100);
    this.kill(i);
  }

  /** Everything stopped by PID, namespaces and bridge removed, mounts undone. Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    await Promise.all(this.members.map((m, i) => (m ? this.stopMember(i).catch(() => this.kill(i)) : undefined)));
    for (const n of fs.existsSync(this.dir) ? fs.readdirSync(this.dir).filter((d) => /^n\d+$/.test(d)) : []) killPids(pidsOfMember(path.join(this.dir, n)));
    unmountUnder(this.dir);
    await unwire(this.k);
    fs.rmSync(path.join(this.dir, 'pool.json'), { force: true });
    this.log(`pool ${this.k} stopped and removed`);
  }

  /** The manager stand-in's namespace (made on first use). */
  async manager(): Promise<string> {
    return wireManager(this.k);
  }

  /** A VM on the shared repository, HA on, started on member i. */
  async haVm(i: number, name: string, memMiB: number): Promise<void> {
    const r = repoUuid(this.k);
    await this.call(i, 'create_vm', r, name, { memory: memMiB, vcpus: 1, OVM_domain_type: 'hvm' });
    await this.call(i, 'configure_vm_ha', r, name, true);
    await this.call(i, 'start_vm', r, name);
  }

  /** The members (of those given) where the VM runs now, asking each over RPC. */
  async where(name: string, among: number[]): Promise<number[]> {
    const r = repoUuid(this.k);
    const ask = async (i: number) => {
      const m = this.members[i];
      if (this.down.has(i)) return -1;
      return (await rpc(m.url, m.password, 'list_vm', [r, name], 5000).catch(() => null)) ? i : -1;
    };
    const found = await Promise.all(among.map(ask));
    return found.filter((i) => i >= 0);
  }
}

/** The stand-in's client: plain node (no loader, starts in tens of ms) posting one request. */
const STAND_IN_JS = `
const [host, port, pw, body] = process.argv.slice(1);
const req = require('node:https').request({ host, port: Number(port), path: '/api/3/', method: 'POST', rejectUnauthorized: false, timeout: 5000,
  headers: { 'content-type': 'text/xml', authorization: 'Basic ' + Buffer.from('oracle:' + pw).toString('base64') } }, (res) => {
  let out = ''; res.setEncoding('utf8'); res.on('data', (c) => (out += c)); res.on('end', () => process.stdout.write(out));
});
req.on('timeout', () => req.destroy()); req.on('error', () => process.exit(1)); req.end(body);`;

/**
 * One XML-RPC call from the manager stand-in's namespace to `host`, so the bytes really cross
 * the bridge; resolves the raw response body ('' when nothing answered).
 */
export function standInCall(ns: string, host: string, password: string, method: string): string {
  const body = `<?xml version="1.0"?><methodCall><methodName>${method}</methodName><params/></methodCall>`;
  const r = spawnSync('ip', ['netns', 'exec', ns, process.execPath, '-e', STAND_IN_JS, host, String(PORT), password, body], { encoding: 'utf8', timeout: 10_000 });
  return r.stdout ?? '';
}

/** A directory left by a run that was killed: its processes, mounts, namespaces and files go. */
export function cleanStale(dir: string): void {
  const lab = readJson<{ k: number }>(path.join(dir, 'lab.json'));
  if (fs.existsSync(dir)) for (const n of fs.readdirSync(dir).filter((d) => /^n\d+$/.test(d))) killPids(pidsOfMember(path.join(dir, n)));
  unmountUnder(dir);
  if (lab && Number.isInteger(lab.k)) {
    const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
    for (const ns of (r.stdout ?? '').split('\n').map((l) => l.split(' ')[0]).filter((x) => x.startsWith(`hm-${lab.k}-`))) spawnSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    spawnSync('ip', ['link', 'del', 'dev', `hmbr${lab.k}`], { stdio: 'ignore' });
  }
  fs.rmSync(dir, { recursive: true, force: true });
}

function isMountPoint(p: string): boolean {
  return fs.existsSync(p) && spawnSync('mountpoint', ['-q', p]).status === 0;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return !fs.readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

function readJson<T>(file: string): T | undefined {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

function tail(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8').slice(-3000);
  } catch {
    return '';
  }
}
