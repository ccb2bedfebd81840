// Shared steps of the multi-host tier: polling, and the manager stand-in's view of the VIP.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { standInCall, type PoolLab } from './pool-lab.js';

export const secs = (t0: number) => ((Date.now() - t0) / 1000).toFixed(1);

/** Polls until fn gives a value that is not undefined, or fails after timeoutMs. */
export async function until<T>(what: string, timeoutMs: number, fn: () => Promise<T | undefined>): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

/** Node number of the master answering get_ha_state at the VIP, as the stand-in sees it. */
export function vipNode(lab: PoolLab, ns: string, password: string): number | undefined {
  const body = standInCall(ns, lab.vip, password, 'get_ha_state');
  const m = /<name>node<\/name><value><int>(\d+)<\/int>/.exec(body);
  const master = /<name>master<\/name><value><boolean>1<\/boolean>/.test(body);
  return m && master ? Number(m[1]) : undefined;
}

/**
 * The HA VMs member i's last report on the pool FS names: what the master knows runs there.
 * A member reports a VM after its round took the VM's lease, a second or so after the start.
 */
export function reported(lab: PoolLab, i: number): string[] {
  try {
    const rep = JSON.parse(readFileSync(join(lab.dir, `export/ovspoolfs/.hvagent/ha/member-${i}.json`), 'utf8')) as { running: Array<{ name?: string }> };
    return rep.running.map((v) => v.name ?? '').sort();
  } catch {
    return [];
  }
}

/** Waits until member i's report names every VM of `names`. */
export function untilReported(lab: PoolLab, i: number, names: string[]): Promise<true> {
  return until(`member ${i} to report ${names.join(', ')}`, 30_000, async () => (names.every((n) => reported(lab, i).includes(n)) ? true : undefined));
}
