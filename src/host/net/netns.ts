// Network namespace and veth helpers over iproute2 (tests, bench and sandbox mode): create and
// delete namespaces, create veth pairs whose ends live in chosen namespaces.
import { fail } from '../../core/errors.js';
import type { Exec } from '../exec.js';

/** Namespace names become files under /run/netns: keep them short and plain. */
export function assertNetnsName(name: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9_.-]{0,47}$/.test(name)) throw fail('NET_BAD_NAME', `bad network namespace name: ${JSON.stringify(name)}`);
  return name;
}

/** Interface names: at most 15 characters (IFNAMSIZ - 1), no slash, blank or colon. */
export function assertIfName(name: string): string {
  if (!/^[A-Za-z0-9_.-]{1,15}$/.test(name)) throw fail('NET_BAD_NAME', `bad interface name: ${JSON.stringify(name)}`);
  return name;
}

export async function listNetns(exec: Exec): Promise<string[]> {
  const r = await exec.run(['ip', '-j', 'netns', 'list'], { allowFail: true });
  if (r.code !== 0 || r.stdout.trim() === '') return [];
  const rows = JSON.parse(r.stdout) as Array<{ name?: string }>;
  return rows.map((x) => x.name).filter((n): n is string => typeof n === 'string');
}

export async function netnsExists(exec: Exec, name: string): Promise<boolean> {
  return (await listNetns(exec)).includes(name);
}

/** Creates the namespace (an existing one is an error) and brings its loopback up. */
export async function createNetns(exec: Exec, name: string): Promise<void> {
  assertNetnsName(name);
  await exec.run(['ip', 'netns', 'add', name]);
  await exec.run(['ip', '-n', name, 'link', 'set', 'dev', 'lo', 'up']);
}

/** Deletes the namespace and with it every virtual link inside; false when it did not exist. */
export async function deleteNetns(exec: Exec, name: string): Promise<boolean> {
  assertNetnsName(name);
  if (!(await netnsExists(exec, name))) return false;
  await exec.run(['ip', 'netns', 'del', name]);
  return true;
}

export interface VethSpec {
  name: string;
  /** Namespace of `name`; undefined = the caller's namespace. */
  netns?: string;
  peer: string;
  peerNetns?: string;
  /** Bring both ends up administratively. */
  up?: boolean;
}

/** One `ip link add` creates both ends directly in their namespaces. */
export async function addVethPair(exec: Exec, spec: VethSpec): Promise<void> {
  const argv = ['ip', 'link', 'add', assertIfName(spec.name)];
  if (spec.netns) argv.push('netns', assertNetnsName(spec.netns));
  argv.push('type', 'veth', 'peer', 'name', assertIfName(spec.peer));
  if (spec.peerNetns) argv.push('netns', assertNetnsName(spec.peerNetns));
  await exec.run(argv);
  if (spec.up) {
    await exec.run(spec.netns ? ['ip', '-n', spec.netns, 'link', 'set', 'dev', spec.name, 'up'] : ['ip', 'link', 'set', 'dev', spec.name, 'up']);
    await exec.run(spec.peerNetns ? ['ip', '-n', spec.peerNetns, 'link', 'set', 'dev', spec.peer, 'up'] : ['ip', 'link', 'set', 'dev', spec.peer, 'up']);
  }
}
