// A real pool for the chaos run and the HA bench: the pool sandbox's driver (PoolLab in
// test/helpers/pool-lab.ts, behind scripts/pool-sandbox.sh), loaded at run time, plus what we
// observe of it over RPC: each member's HA state and running VMs, and who answers on the VIP.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { rpc } from '../helpers/pool-lab.js';

export const repoRoot = path.resolve(import.meta.dirname, '../..');

/** The part of PoolLab this driver uses (its DIR/pool.json contract plus restart). */
export interface PoolLabLike {
  readonly k: number;
  readonly vip: string;
  readonly dir: string;
  readonly members: Array<{ node: number; url: string; password: string; pid: number; sanlockPid: number; netns: string } | undefined>;
  launch(i: number): Promise<unknown>;
  kill(i: number): void;
  freeze(i: number, on: boolean): void;
  stop(): Promise<void>;
}

interface PoolLabModule {
  PoolLab: { start(o: { dir: string; n: number; memMiB?: number | number[]; fromK?: number; log?: (l: string) => void }): Promise<PoolLabLike> };
  repoUuid(k: number): string;
}

/** HVPOOL_LAB names another checkout's pool-lab.ts (e.g. before the pool sandbox is merged). */
export async function loadPoolLab(): Promise<PoolLabModule> {
  const file = process.env.HVPOOL_LAB ?? path.join(repoRoot, 'test/helpers/pool-lab.ts');
  try {
    return (await import(file)) as PoolLabModule;
  } catch (e) {
    throw new Error(`cannot load the pool sandbox driver ${file} (set HVPOOL_LAB): ${(e as Error).message}`);
  }
}

/** One call with a short timeout: a frozen member must not hold a check up for long. */
export function call(url: string, password: string, method: string, params: unknown[] = [], timeoutMs = 5000): Promise<unknown> {
  return rpc(url, password, method, params, timeoutMs);
}

export interface MemberObs {
  node: number;
  answered: boolean;
  master: boolean;
  vipUp: boolean;
  /** Names of the VMs running on it (list_vms, active states). */
  vms: string[];
  /** Of those, the ones whose sanlock lease this member does not hold. */
  unleased: string[];
  pending: number;
  /** The VIP is configured in the member's namespace (what its kernel answers ARP for). */
  vipInKernel: boolean;
  error?: string;
}

/** Whether the address is configured in the namespace (ip -4 -o addr). */
function hasAddress(netns: string, ip: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile('ip', ['netns', 'exec', netns, 'ip', '-4', '-o', 'addr', 'show'], { timeout: 5000 }, (err, out) => resolve(!err && out.split('\n').some((l) => l.includes(` ${ip}/`))));
  });
}

const active = (state: unknown) => /[rbp]/.test(String(state).slice(0, 3));

export async function observeMember(lab: PoolLabLike, i: number): Promise<MemberObs> {
  const m = lab.members[i]!;
  const vipInKernel = await hasAddress(m.netns, lab.vip);
  try {
    const [st, list] = await Promise.all([
      call(m.url, m.password, 'get_ha_state') as Promise<Record<string, unknown>>,
      call(m.url, m.password, 'list_vms') as Promise<Array<Record<string, unknown>>>,
    ]);
    const running = list.filter((v) => v.name !== 'Domain-0' && active(v.state));
    const held = new Set(Array.isArray(st.leases) ? st.leases.map(String) : []);
    const unleased = running.filter((v) => !held.has(`vm-${String(v.uuid).replace(/-/g, '')}`)).map((v) => String(v.name));
    return { node: i, answered: true, master: st.master === true, vipUp: st.vipUp === true, vms: running.map((v) => String(v.name)), unleased, pending: Array.isArray(st.pending) ? st.pending.length : 0, vipInKernel };
  } catch (e) {
    return { node: i, answered: false, master: false, vipUp: false, vms: [], unleased: [], pending: 0, vipInKernel, error: (e as Error).message.slice(0, 120) };
  }
}

/**
 * The node whose agent answers get_ha_state on the VIP (undefined: nobody within the timeout).
 * Members may have their own passwords, and the front door throttles an address that keeps
 * failing: only the passwords of members whose namespace has the address are tried.
 */
export async function vipAnswerer(lab: PoolLabLike, timeoutMs = 3000): Promise<number | undefined> {
  const any = lab.members.find((m) => m !== undefined)!;
  const url = any.url.replace(/\/\/[^/:]+:/, `//${lab.vip}:`);
  const holders = await Promise.all(lab.members.map(async (m) => (m && (await hasAddress(m.netns, lab.vip)) ? m.password : undefined)));
  for (const pw of new Set(holders.filter((p): p is string => p !== undefined))) {
    try {
      const st = (await call(url, pw, 'get_ha_state', [], timeoutMs)) as Record<string, unknown>;
      return typeof st.node === 'number' ? st.node : undefined;
    } catch {
      /* not this one (or nobody answers) */
    }
  }
  return undefined;
}

/** An HA VM on the shared repository started on member i, as a manager does it. */
export async function createHaVm(lab: PoolLabLike, repoUuid: string, i: number, name: string, memMiB: number): Promise<void> {
  const m = lab.members[i]!;
  await call(m.url, m.password, 'create_vm', [repoUuid, name, { memory: memMiB, vcpus: 1, OVM_domain_type: 'hvm' }], 30_000);
  await call(m.url, m.password, 'configure_vm_ha', [repoUuid, name, true], 30_000);
  await call(m.url, m.password, 'start_vm', [repoUuid, name], 30_000);
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls cond every stepMs until it holds; the ms it took, or undefined after maxMs. */
export async function until(cond: () => Promise<boolean>, maxMs: number, stepMs = 500): Promise<number | undefined> {
  const t0 = Date.now();
  for (;;) {
    if (await cond()) return Date.now() - t0;
    if (Date.now() - t0 > maxMs) return undefined;
    await sleep(stepMs);
  }
}
