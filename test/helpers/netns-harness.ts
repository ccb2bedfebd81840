// Network namespaces for integration tests: a sandbox-like host namespace with eth0..eth3
// (veths whose peers sit on a switch bridge in <name>-peer), or a LAN of several hosts.
// Names are unique per run; everything is deleted in teardown, and at process exit if missed.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { HostExec, type Exec } from '../../src/host/exec.js';
import { addVethPair, createNetns, deleteNetns } from '../../src/host/net/netns.js';
import { createSandboxNetns, destroySandboxNetns, type SandboxNetns } from '../../src/host/net/sandbox-netns.js';

const live = new Set<string>();
process.on('exit', () => {
  for (const ns of live) {
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    } catch {
      /* already gone */
    }
  }
});

/** Root is needed for namespaces; tests skip cleanly without it. */
export const canUseNetns = (): boolean => process.getuid?.() === 0;

/** `hvt-<pid36>-<6 hex>`: unique per process and call, short enough for peer suffixes. */
export function uniqueNetnsName(prefix = 'hvt'): string {
  return `${prefix}-${process.pid.toString(36)}-${randomBytes(3).toString('hex')}`;
}

export interface NetnsHarness extends SandboxNetns {
  exec: Exec;
  /** Runs `ip <args>` in the host namespace (or `ns`) and returns stdout. */
  ip(args: string[], ns?: string): Promise<string>;
  /** `ip -j <args>` parsed. */
  ipJson<T = Array<Record<string, unknown>>>(args: string[], ns?: string): Promise<T>;
  cleanup(): Promise<void>;
}

function tools(exec: Exec, defaultNs: string) {
  const ip = async (args: string[], ns: string = defaultNs) => (await exec.run(['ip', ...args], { netns: ns })).stdout;
  const ipJson = async <T>(args: string[], ns: string = defaultNs) => JSON.parse((await ip(['-j', ...args], ns)) || '[]') as T;
  return { ip, ipJson };
}

/** A host namespace with ports eth0..eth3 (down) wired to a switch, like the sandbox's. */
export async function createHostNetns(opts: { prefix?: string; ports?: number; exec?: Exec } = {}): Promise<NetnsHarness> {
  const exec = opts.exec ?? new HostExec();
  const name = uniqueNetnsName(opts.prefix);
  live.add(name);
  live.add(`${name}-peer`);
  const sb = await createSandboxNetns(name, { exec, ports: opts.ports });
  const cleanup = async () => {
    await destroySandboxNetns(name, { exec });
    live.delete(name);
    live.delete(`${name}-peer`);
  };
  return { ...sb, exec, ...tools(exec, name), cleanup };
}

/** Runs fn with a fresh host namespace and always deletes it afterwards. */
export async function withHostNetns<T>(fn: (h: NetnsHarness) => Promise<T>, opts: { prefix?: string; ports?: number } = {}): Promise<T> {
  const h = await createHostNetns(opts);
  try {
    return await fn(h);
  } finally {
    await h.cleanup();
  }
}

/** tap style: the namespace is deleted in t's teardown. */
export async function hostNetnsFixture(t: { teardown(fn: () => unknown): void }, opts: { prefix?: string; ports?: number } = {}): Promise<NetnsHarness> {
  const h = await createHostNetns(opts);
  t.teardown(() => h.cleanup());
  return h;
}

export interface LanHarness {
  exec: Exec;
  /** The switch namespace (bridge sw0 joins every host's eth0 peer). */
  lan: string;
  hosts: string[];
  ip(args: string[], ns: string): Promise<string>;
  ipJson<T = Array<Record<string, unknown>>>(args: string[], ns: string): Promise<T>;
  cleanup(): Promise<void>;
}

/** n host namespaces, each with eth0 (up) on one switch: for traffic between hosts. */
export async function createLan(t: { teardown(fn: () => unknown): void }, n: number, prefix = 'hvl'): Promise<LanHarness> {
  const exec = new HostExec();
  const base = uniqueNetnsName(prefix);
  const lan = `${base}-sw`;
  const hosts = Array.from({ length: n }, (_, i) => `${base}-h${i}`);
  const all = [lan, ...hosts];
  all.forEach((ns) => live.add(ns));
  const cleanup = async () => {
    for (const ns of all) {
      await deleteNetns(exec, ns);
      live.delete(ns);
    }
  };
  t.teardown(cleanup);
  for (const ns of all) await createNetns(exec, ns);
  await exec.run(['ip', '-n', lan, 'link', 'add', 'name', 'sw0', 'type', 'bridge']);
  await exec.run(['ip', '-n', lan, 'link', 'set', 'dev', 'sw0', 'up']);
  for (const [i, ns] of hosts.entries()) {
    await addVethPair(exec, { name: 'eth0', netns: ns, peer: `p${i}`, peerNetns: lan, up: true });
    await exec.run(['ip', '-n', lan, 'link', 'set', 'dev', `p${i}`, 'master', 'sw0']);
  }
  const { ip, ipJson } = tools(exec, lan);
  return { exec, lan, hosts, ip, ipJson, cleanup };
}

/** Links (name, MTU, master, up, IPv4 addresses) and routes of a namespace, to compare before and after. */
export async function linkState(ns: Pick<NetnsHarness, 'ipJson'>) {
  const rows = await ns.ipJson<Array<{ ifname: string; mtu: number; master?: string; flags: string[]; addr_info?: Array<{ family: string; local: string; prefixlen: number }> }>>(['addr', 'show']);
  return {
    links: rows
      .map((r) => ({ name: r.ifname, mtu: r.mtu, master: r.master ?? null, up: r.flags.includes('UP'), addrs: (r.addr_info ?? []).filter((a) => a.family === 'inet').map((a) => `${a.local}/${a.prefixlen}`) }))
      .sort((a, b) => a.name.localeCompare(b.name)),
    routes: await ns.ipJson(['route', 'show']),
  };
}
