// The OS, kernel, hostname and machine-id of the host, read under the sysroot (with node:os
// only where procfs does not say).
import * as os from 'node:os';
import type { HostFs } from '../host-fs.js';
import { osReleaseToOs, type OsRelease } from '../../core/hostinfo/os-release.js';

export async function readOs(fs: HostFs): Promise<OsRelease> {
  const osRelease = (await fs.readTextIfExists('/etc/os-release')) ?? (await fs.readTextIfExists('/usr/lib/os-release'));
  const release =
    (await fs.readTextIfExists('/etc/oracle-release')) ??
    (await fs.readTextIfExists('/etc/redhat-release')) ??
    undefined;
  return osReleaseToOs(osRelease, release);
}

export interface KernelInfo {
  release: string;
  version: string;
  /** `uname -m`. */
  machine: string;
}

export async function readKernel(fs: HostFs): Promise<KernelInfo> {
  const release = (await fs.readTextIfExists('/proc/sys/kernel/osrelease'))?.trim() || os.release();
  const version = (await fs.readTextIfExists('/proc/sys/kernel/version'))?.trim() || os.version();
  return { release, version, machine: os.machine() };
}

export async function readHostname(fs: HostFs): Promise<string> {
  return (
    (await fs.readTextIfExists('/proc/sys/kernel/hostname'))?.trim() ||
    (await fs.readTextIfExists('/etc/hostname'))?.trim() ||
    os.hostname()
  );
}

export async function readMachineId(fs: HostFs): Promise<string | undefined> {
  return (await fs.readTextIfExists('/etc/machine-id'))?.trim() || undefined;
}
