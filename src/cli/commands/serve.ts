// `hvagent serve`: run the agent in the foreground (systemd runs it this way). With
// --sandbox DIR everything lives under DIR, the agent listens on 127.0.0.1 with a generated
// password, VMs run on libvirt's test driver, and DIR/sandbox.json tells clients how to connect.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { randomBytes } from 'node:crypto';
import { sandboxNetnsName } from '../../host/net/sandbox-netns.js';
import { parse, UsageError, type SandboxInfo } from '../args.js';
import { startAgent, type Agent } from '../../main.js';
import type { FeatureOverrides } from '../../feature-list.js';
import { DEFAULT_CONFIG_PATH } from '../../services/config/config-loader.js';
import { SysrootFs } from '../../host/host-fs.js';
import { systemClock } from '../../host/clock.js';
import { PasswordStore } from '../../services/auth/password-store.js';
import { loadConfig } from '../../services/config/config-loader.js';
import { HostExec } from '../../host/exec.js';
import pino from 'pino';

export const HELP = `Usage: hvagent serve [options]

Runs the agent in the foreground.

Options:
  --config FILE      configuration file (default ${DEFAULT_CONFIG_PATH})
  --sandbox DIR      sandbox mode: sysroot, database, logs and key pair under DIR,
                     listen on 127.0.0.1, generated password, libvirt test:///default,
                     host networking in a private network namespace; writes
                     DIR/sandbox.json = {url, user, password, pid} once listening
  --port N           port (sandbox default 8899)
  --address ADDR     listen address (overrides rpc.address)
  --netns NAME       sandbox only: the host namespace (default hvsb-<hash of DIR>); the
                     pool sandbox wires it to its bridge before the agent starts
  --libvirt-uri URI  sandbox only: another test driver world (test:///PATH/node.xml)
`;

export interface ConfigSource {
  configFile: string;
  overrides: Record<string, unknown>;
}

/** Which config file and overrides a command uses: --config, else DIR/agent.yaml for --sandbox DIR. */
export function configSource(o: { config?: string; sandbox?: string; netns?: string; 'libvirt-uri'?: string }, port = 8899): ConfigSource {
  if (o.sandbox) {
    const dir = path.resolve(o.sandbox);
    return { configFile: o.config ?? path.join(dir, 'agent.yaml'), overrides: sandboxOverrides(dir, port, { netns: o.netns, libvirtUri: o['libvirt-uri'] }) };
  }
  if (o.netns || o['libvirt-uri']) throw new UsageError('--netns and --libvirt-uri go with --sandbox');
  return { configFile: o.config ?? DEFAULT_CONFIG_PATH, overrides: {} };
}

/** `more`: a pool sandbox member's own namespace and test-driver world (never a real hypervisor). */
export function sandboxOverrides(dir: string, port: number, more: { netns?: string; libvirtUri?: string } = {}): Record<string, unknown> {
  if (more.libvirtUri !== undefined && !more.libvirtUri.startsWith('test:///')) throw new UsageError(`--libvirt-uri must be a test driver URI (test:///...), got ${more.libvirtUri}`);
  return {
    sandbox: true,
    paths: { sysroot: path.join(path.resolve(dir), 'root') },
    rpc: { address: '127.0.0.1', port },
    libvirt: { uri: more.libvirtUri ?? 'test:///default' },
    power: { allowShutdown: false },
    network: { netns: more.netns ?? sandboxNetnsName(path.resolve(dir)) },
  };
}

/**
 * Discovery reads the kernel's live views: the sandbox root links /proc and /sys to the real
 * ones, and starts with copies of the host's identity files, so discover_server describes
 * this machine while everything the agent writes stays under DIR. (Network sysfs writes go
 * through the sandbox's namespace, never through this path.)
 */
export function prepareSandboxRoot(root: string): void {
  fs.mkdirSync(path.join(root, 'etc'), { recursive: true });
  for (const d of ['proc', 'sys']) {
    const link = path.join(root, d);
    if (!fs.existsSync(link)) fs.symlinkSync(`/${d}`, link);
  }
  for (const f of ['etc/os-release', 'etc/hostname', 'etc/machine-id']) {
    const dst = path.join(root, f);
    if (!fs.existsSync(dst)) {
      try {
        fs.copyFileSync(`/${f}`, dst);
      } catch {
        /* absent on this machine: discovery says so */
      }
    }
  }
}

/** The sandbox keeps one generated password (DIR/password, 0600) across restarts. */
function sandboxPassword(dir: string): string {
  const file = path.join(dir, 'password');
  try {
    const prev = fs.readFileSync(file, 'utf8').trim();
    if (prev.length >= 16) return prev;
  } catch {
    /* first start */
  }
  const pw = randomBytes(18).toString('base64url');
  fs.writeFileSync(file, pw + '\n', { mode: 0o600 });
  return pw;
}

/** `features`: a test entry's adapters (test/helpers/cs-mount-sandbox.ts); the CLI gives none. */
export async function run(argv: string[], features?: FeatureOverrides): Promise<number> {
  const { values } = parse(
    argv,
    {
      config: { type: 'string' },
      sandbox: { type: 'string' },
      port: { type: 'string' },
      address: { type: 'string' },
      netns: { type: 'string' },
      'libvirt-uri': { type: 'string' },
    },
    false,
  );
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  const port = values.port === undefined ? undefined : Number(values.port);
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65535)) throw new UsageError(`bad --port ${values.port}`);

  let { configFile, overrides } = configSource(values, port ?? 8899);
  let password: string | undefined;
  const dir = values.sandbox ? path.resolve(values.sandbox) : undefined;
  if (dir) {
    prepareSandboxRoot(path.join(dir, 'root'));
    password = sandboxPassword(dir);
    // The sandbox password is set before the agent starts, so the first call already works.
    const cfg = loadConfig(configFile, overrides);
    const store = new PasswordStore({ config: cfg, fs: new SysrootFs(cfg.paths.sysroot), clock: systemClock, log: pino({ level: 'silent' }) });
    await store.set(password);
  } else {
    if (port !== undefined) overrides = { rpc: { port } };
  }
  if (values.address) overrides = { ...overrides, rpc: { ...(overrides.rpc as object | undefined), address: values.address } };

  const agent: Agent = await startAgent({ configFile, overrides, exec: new HostExec(), features });

  if (dir && password) {
    const info: SandboxInfo = { url: agent.url, user: 'oracle', password, pid: process.pid };
    // Written whole, then renamed: a client polling for the file never reads half of it.
    const tmp = path.join(dir, `.sandbox.json.${process.pid}.tmp`);
    fs.writeFileSync(tmp, JSON.stringify(info, null, 2) + '\n', { mode: 0o600 });
    fs.renameSync(tmp, path.join(dir, 'sandbox.json'));
    process.stdout.write(JSON.stringify(info) + '\n');
  }
  await notifySystemdReady(agent);

  const ok = await new Promise<boolean>((resolve) => {
    let stopping = false;
    const onSignal = (sig: string) => {
      if (stopping) return;
      stopping = true;
      agent.log.info({ signal: sig }, 'stopping');
      // Bounded: systemd's TimeoutStopSec (60 s) would SIGKILL us; stop short of it, non-zero.
      setTimeout(() => {
        process.stderr.write(`hvagent: stop did not finish within ${STOP_DEADLINE_MS / 1000} s; exiting\n`);
        process.exit(1);
      }, STOP_DEADLINE_MS).unref();
      agent.stop().then(resolve, () => resolve(false));
    };
    // `on`, not `once`: a second signal while stopping is ignored instead of killing the process
    process.on('SIGTERM', () => onSignal('SIGTERM'));
    process.on('SIGINT', () => onSignal('SIGINT'));
  });
  if (dir) fs.rmSync(path.join(dir, 'sandbox.json'), { force: true });
  return ok ? 0 : 1;
}

/** Under systemd's TimeoutStopSec=60s, with room for the last log lines. */
const STOP_DEADLINE_MS = 50_000;

/** Type=notify: tell systemd we listen. Node has no AF_UNIX datagrams, so use systemd-notify. */
async function notifySystemdReady(agent: Agent): Promise<void> {
  if (!process.env.NOTIFY_SOCKET) return;
  const r = await new HostExec().run(['systemd-notify', '--ready', `--pid=${process.pid}`, `--status=listening on ${agent.url}`], {
    allowFail: true,
  });
  if (r.code !== 0) agent.log.warn({ stderr: r.stderr }, 'systemd-notify failed');
}
