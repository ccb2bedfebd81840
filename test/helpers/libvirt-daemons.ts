// Private libvirt daemons for integration tests: virtlogd + libvirtd run as `nobody` in session
// mode with every path (sockets, state, logs) under a temp dir, stopped by PID in teardown.
import { spawn, type ChildProcess } from 'node:child_process';
import { accessSync, chownSync, constants, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const QEMU = '/usr/bin/qemu-system-x86_64';
const BINARIES = ['/usr/sbin/libvirtd', '/usr/sbin/virtlogd', QEMU, '/usr/bin/setpriv', '/usr/bin/virsh'];
const NOBODY = 65534;

/** Why the integration tier cannot run here, or undefined when it can. */
export function daemonSkipReason(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root (to run the daemons as nobody)';
  for (const b of BINARIES) {
    try {
      accessSync(b, constants.X_OK);
    } catch {
      return `${b} is missing (apt-get install libvirt-daemon-system libvirt-clients qemu-system-x86)`;
    }
  }
  return undefined;
}

export interface PrivateLibvirt {
  uri: string;
  dir: string;
  stop(): Promise<void>;
}

function chownTree(p: string): void {
  chownSync(p, NOBODY, NOBODY);
  for (const e of readdirSync(p, { withFileTypes: true })) if (e.isDirectory()) chownTree(join(p, e.name));
  else chownSync(join(p, e.name), NOBODY, NOBODY);
}

async function waitFor(cond: () => boolean, what: string, deadlineMs = 30_000): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!cond()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function exited(c: ChildProcess): Promise<void> {
  return c.exitCode !== null || c.signalCode !== null ? Promise.resolve() : new Promise((r) => c.once('exit', () => r()));
}

export async function startPrivateLibvirt(label: string, hostUuid: string): Promise<PrivateLibvirt> {
  const dir = mkdtempSync(join(tmpdir(), `hvagent-libvirt-${label}-`));
  for (const d of ['run', 'config/libvirt', 'cache', 'home']) mkdirSync(join(dir, d), { recursive: true });
  // A distinct host UUID per daemon: libvirt refuses to migrate "to the same host" otherwise.
  writeFileSync(join(dir, 'config/libvirt/libvirtd.conf'), `host_uuid = "${hostUuid}"\n`);
  chownTree(dir);
  chmodSync(dir, 0o755);
  const env = [
    'PATH=/usr/sbin:/usr/bin:/sbin:/bin',
    `HOME=${join(dir, 'home')}`,
    `XDG_RUNTIME_DIR=${join(dir, 'run')}`,
    `XDG_CONFIG_HOME=${join(dir, 'config')}`,
    `XDG_CACHE_HOME=${join(dir, 'cache')}`,
  ];
  const children: ChildProcess[] = [];
  const run = (bin: string) => {
    const out = openSync(join(dir, `${bin}.out`), 'a');
    // setpriv and env exec in place, so the child's PID is the daemon's PID.
    const c = spawn('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--', 'env', '-i', ...env, bin], {
      cwd: dir,
      stdio: ['ignore', out, out],
    });
    children.push(c);
    return c;
  };
  const sock = join(dir, 'run/libvirt');
  const stop = async () => {
    // Guests outlive libvirtd: kill their QEMU processes by PID first.
    const qdir = join(sock, 'qemu');
    if (existsSync(qdir)) {
      const files = readdirSync(qdir, { recursive: true }) as string[];
      for (const f of files.filter((x) => x.endsWith('.pid') && !x.endsWith('driver.pid'))) {
        const pid = Number(readFileSync(join(qdir, f), 'utf8').trim());
        if (pid > 1) {
          try {
            process.kill(pid, 'SIGKILL');
          } catch {
            /* already gone */
          }
        }
      }
    }
    for (const c of children.reverse()) {
      if (c.pid && c.exitCode === null) c.kill('SIGTERM');
      await exited(c);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('virtlogd');
    await waitFor(() => existsSync(join(sock, 'virtlogd-sock')), `virtlogd (${label})`);
    run('libvirtd');
    await waitFor(() => existsSync(join(sock, 'libvirt-sock')), `libvirtd (${label})`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { uri: `qemu+unix:///session?socket=${join(sock, 'libvirt-sock')}`, dir, stop };
}
