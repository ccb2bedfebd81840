// The sandbox host's network: namespace <name> holds ports eth0..eth3, veth ends whose peers
// sit in <name>-peer on a switch bridge (sw0), so the sandbox's "physical" NICs carry traffic
// without touching the machine's own links.
import { createHash } from 'node:crypto';
import { HostExec, type Exec } from '../exec.js';
import { addVethPair, assertNetnsName, createNetns, deleteNetns, netnsExists } from './netns.js';

export interface SandboxNetns {
  /** The sandbox host's namespace (config network.netns). */
  netns: string;
  /** The "outside world": peers of the ports, enslaved to bridge `switchBridge`. */
  peerNetns: string;
  ports: string[];
  /** Port name → its peer's name in peerNetns. */
  peers: Record<string, string>;
  switchBridge: string;
}

export interface SandboxNetnsOptions {
  exec?: Exec;
  /** How many ports (default 4: eth0..eth3). */
  ports?: number;
}

export const SANDBOX_SWITCH = 'sw0';

/** `hvsb-<8 hex>` from the sandbox directory: stable per directory, short enough for /run/netns. */
export function sandboxNetnsName(sandboxDir: string): string {
  return `hvsb-${createHash('sha256').update(sandboxDir).digest('hex').slice(0, 8)}`;
}

function describe(name: string, count: number): SandboxNetns {
  const ports = Array.from({ length: count }, (_, i) => `eth${i}`);
  return {
    netns: name,
    peerNetns: `${name}-peer`,
    ports,
    peers: Object.fromEntries(ports.map((p, i) => [p, `peer${i}`])),
    switchBridge: SANDBOX_SWITCH,
  };
}

async function portsPresent(exec: Exec, sb: SandboxNetns): Promise<boolean> {
  const r = await exec.run(['ip', '-j', 'link', 'show'], { netns: sb.netns, allowFail: true });
  if (r.code !== 0) return false;
  const names = new Set((JSON.parse(r.stdout || '[]') as Array<{ ifname: string }>).map((l) => l.ifname));
  return sb.ports.every((p) => names.has(p));
}

/**
 * Makes (or reuses, when both namespaces and all ports exist) the sandbox namespaces.
 * The ports are left administratively down, like NICs nobody configured yet.
 */
export async function createSandboxNetns(name: string, opts: SandboxNetnsOptions = {}): Promise<SandboxNetns> {
  const exec = opts.exec ?? new HostExec();
  const sb = describe(assertNetnsName(name), opts.ports ?? 4);
  assertNetnsName(sb.peerNetns);
  if ((await netnsExists(exec, sb.netns)) && (await netnsExists(exec, sb.peerNetns)) && (await portsPresent(exec, sb))) {
    return sb;
  }
  await destroySandboxNetns(name, { exec });
  try {
    await createNetns(exec, sb.netns);
    await createNetns(exec, sb.peerNetns);
    await exec.run(['ip', '-n', sb.peerNetns, 'link', 'add', 'name', sb.switchBridge, 'type', 'bridge']);
    for (const port of sb.ports) {
      const peer = sb.peers[port];
      await addVethPair(exec, { name: port, netns: sb.netns, peer, peerNetns: sb.peerNetns });
      await exec.run(['ip', '-n', sb.peerNetns, 'link', 'set', 'dev', peer, 'master', sb.switchBridge, 'up']);
    }
    await exec.run(['ip', '-n', sb.peerNetns, 'link', 'set', 'dev', sb.switchBridge, 'up']);
    return sb;
  } catch (e) {
    await destroySandboxNetns(name, { exec }).catch(() => {});
    throw e;
  }
}

/** Deletes both namespaces (and so every link in them); absent ones are fine. */
export async function destroySandboxNetns(name: string, opts: { exec?: Exec } = {}): Promise<void> {
  const exec = opts.exec ?? new HostExec();
  await deleteNetns(exec, assertNetnsName(name));
  await deleteNetns(exec, assertNetnsName(`${name}-peer`));
}
