// The pool sandbox's wiring (scripts/pool-sandbox.sh, test/integration/ha-pool): one bridge
// hmbr<k> in the root namespace on 10.189.<k>.0/24, a host namespace per member whose eth0 sits
// on it, a manager stand-in namespace, and the bind mounts that stand in for the NFS export and
// a shared repository. Everything is named from <k> so a stale run can be found and removed.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createSandboxNetns, destroySandboxNetns } from '../../src/host/net/sandbox-netns.js';
import { addVethPair, createNetns, deleteNetns } from '../../src/host/net/netns.js';
import { HostExec } from '../../src/host/exec.js';

const exec = new HostExec();

export const bridgeName = (k: number) => `hmbr${k}`;
export const memberNetns = (k: number, i: number) => `hm-${k}-n${i}`;
export const mgrNetns = (k: number) => `hm-${k}-mgr`;
export const subnet = (k: number) => `10.189.${k}`;
export const memberIp = (k: number, i: number) => `${subnet(k)}.${11 + i}`;
export const vipOf = (k: number) => `${subnet(k)}.100`;
export const mgrIp = (k: number) => `${subnet(k)}.250`;

function ip(...args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Takes the first free pool index at or after `from` by creating its bridge (creation fails
 * when another run holds it, so two runs never share one). Returns k.
 */
export function claimBridge(from = 0): number {
  for (let k = from; k < 100; k++) {
    const r = spawnSync('ip', ['link', 'add', 'name', bridgeName(k), 'type', 'bridge'], { stdio: 'ignore' });
    if (r.status !== 0) continue;
    ip('addr', 'add', `${subnet(k)}.1/24`, 'dev', bridgeName(k));
    ip('link', 'set', 'dev', bridgeName(k), 'up');
    return k;
  }
  throw new Error('no free pool bridge hmbr0..hmbr99');
}

/**
 * A member's host namespace as the sandbox agent expects it (eth0..eth3, peers in <ns>-peer, so
 * the agent reuses it), except that eth0's peer moves to the pool bridge; eth0 carries the
 * member's address. Called again before a restart when a clean stop removed the namespace.
 */
export async function wireMember(k: number, i: number): Promise<void> {
  const ns = memberNetns(k, i);
  const has = spawnSync('ip', ['-n', ns, 'addr', 'show', 'dev', 'eth0'], { encoding: 'utf8' });
  if (has.status === 0 && has.stdout.includes(`${memberIp(k, i)}/24`)) return;
  await destroySandboxNetns(ns, { exec });
  const sb = await createSandboxNetns(ns, { exec });
  const port = `hm${k}n${i}`;
  ip('-n', sb.peerNetns, 'link', 'set', 'dev', sb.peers.eth0, 'name', port);
  ip('-n', sb.peerNetns, 'link', 'set', 'dev', port, 'netns', String(process.pid));
  ip('link', 'set', 'dev', port, 'master', bridgeName(k), 'up');
  ip('-n', ns, 'addr', 'add', `${memberIp(k, i)}/24`, 'dev', 'eth0');
  ip('-n', ns, 'link', 'set', 'dev', 'eth0', 'up');
}

/** The manager stand-in: a namespace of its own with one port on the bridge. */
export async function wireManager(k: number): Promise<string> {
  const ns = mgrNetns(k);
  await deleteNetns(exec, ns);
  await createNetns(exec, ns);
  await addVethPair(exec, { name: 'eth0', netns: ns, peer: `hm${k}mgr`, up: true });
  ip('link', 'set', 'dev', `hm${k}mgr`, 'master', bridgeName(k), 'up');
  ip('-n', ns, 'addr', 'add', `${mgrIp(k)}/24`, 'dev', 'eth0');
  return ns;
}

/** Every hm-<k>-* namespace and the bridge (veths go with their namespaces). */
export async function unwire(k: number): Promise<void> {
  const r = spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' });
  const mine = (r.stdout ?? '').split('\n').map((l) => l.split(' ')[0]).filter((n) => n.startsWith(`hm-${k}-`));
  for (const ns of mine) await deleteNetns(exec, ns);
  spawnSync('ip', ['link', 'del', 'dev', bridgeName(k)], { stdio: 'ignore' });
}

/** `mount --bind src dst` in the root mount namespace (before the agents start: they copy it). */
export function bind(src: string, dst: string): void {
  fs.mkdirSync(dst, { recursive: true });
  execFileSync('mount', ['--bind', src, dst], { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Unmounts (lazily) everything mounted under dir, deepest first. */
export function unmountUnder(dir: string): void {
  const mounts = fs
    .readFileSync('/proc/mounts', 'utf8')
    .split('\n')
    .map((l) => l.split(' ')[1]?.replace(/\\040/g, ' '))
    .filter((m): m is string => !!m && (m === dir || m.startsWith(`${dir}/`)));
  for (const m of mounts.sort((a, b) => b.length - a.length)) spawnSync('umount', ['-l', m], { stdio: 'ignore' });
}

/** Pids whose environment carries `HVPOOL_MEMBER=<memberDir>`: what a member left running. */
export function pidsOfMember(memberDir: string): number[] {
  const mark = Buffer.from(`HVPOOL_MEMBER=${memberDir}\0`);
  const out: number[] = [];
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d) || Number(d) === process.pid) continue;
    try {
      if (fs.readFileSync(`/proc/${d}/environ`).includes(mark)) out.push(Number(d));
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

export function killPids(pids: number[], sig: NodeJS.Signals = 'SIGKILL'): void {
  for (const p of pids) {
    try {
      process.kill(p, sig);
    } catch {
      /* already gone */
    }
  }
}
