// The agent configuration (/etc/hvagent/agent.yaml): one zod schema with defaults, validated
// once at start-up with every problem listed, then frozen. Keys in LIVE_KEYS reload live.
import { z } from 'zod';
import { DEFAULT_REPOSITORY_ROOTS, isRepositoryRoot } from '../repo/fs-location.js';

// 0 asks the kernel for a free port (tests, parallel sandboxes).
const port = z.number().int().min(0).max(65535);

export const configSchema = z
  .object({
    rpc: z
      .object({
        address: z.string().default('0.0.0.0'),
        port: port.default(8899),
        tls: z.boolean().default(true),
        /** PEM files; generated on first start when absent. */
        certFile: z.string().default('/etc/hvagent/cert/agent.crt'),
        keyFile: z.string().default('/etc/hvagent/cert/agent.key'),
        /** Optional CA bundle: when set, clients may authenticate with a certificate it signed. */
        clientCa: z.string().optional(),
        /** scrypt hash of the `oracle` password (written by `hvagent passwd`). */
        passwordFile: z.string().default('/etc/hvagent/password'),
        maxBodyBytes: z.number().int().min(1024).default(16 * 1024 * 1024),
        maxXmlDepth: z.number().int().min(8).max(1024).default(64),
        headersTimeoutMs: z.number().int().min(1000).default(20_000),
        /** A call may legitimately take many minutes; this bounds an idle keep-alive socket. */
        keepAliveTimeoutMs: z.number().int().min(1000).default(60_000),
        requestTimeoutMs: z.number().int().min(0).default(30 * 60_000),
        maxConnections: z.number().int().min(1).default(256),
        /** Of maxConnections, how many may be not authenticated yet. */
        maxUnauthenticated: z.number().int().min(1).default(64),
        /** Connections from one address (the owner manager's address is exempt). */
        maxConnectionsPerAddress: z.number().int().min(1).default(32),
        /** Of maxConnections, slots only the owner manager's address may use. */
        ownerReservedConnections: z.number().int().min(0).default(16),
        /** A connection that has not authenticated within this time is closed. */
        authTimeoutMs: z.number().int().min(1000).default(10_000),
        /** Connections past the limits held only to answer HTTP 503; beyond them, closed at once. */
        maxRefusedConnections: z.number().int().min(0).default(1536),
        /** Failed logins from one address before each 401 is held back. */
        authFailuresBeforeDelay: z.number().int().min(1).default(3),
        /** Hosts dispatch may call besides the members of this host's server pool. */
        dispatchAllow: z.array(z.string().min(1).max(255)).max(256).default([]),
        /**
         * Who may call owner-only methods of an owned host. 'certificate': after a 3.3
         * take_ownership with the manager's certificate, only a client showing that certificate;
         * otherwise the address ownership was taken from. 'address': always that address.
         * 'off': anyone with the password.
         */
        ownerCheck: z.enum(['certificate', 'address', 'off']).default('certificate'),
        /** Failed logins from all addresses together before every 401 is held back. */
        authGlobalFailuresBeforeDelay: z.number().int().min(1).default(20),
      })
      .strict()
      .prefault({}),
    paths: z
      .object({
        /** Root under which every host path is resolved ('/' in production). */
        sysroot: z.string().default('/'),
        stateDir: z.string().default('/var/lib/hvagent'),
        logDir: z.string().default('/var/log/hvagent'),
      })
      .strict()
      .prefault({}),
    log: z
      .object({
        level: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).default('info'),
        stdout: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    statistics: z
      .object({
        /** Seconds between pushes to the manager's statistic URL; 0 = off. */
        interval: z.number().int().min(0).max(86_400).default(0),
      })
      .strict()
      .prefault({}),
    power: z
      .object({
        /** sys_shutdown / sys_reboot really power off the host. */
        allowShutdown: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    network: z
      .object({
        backend: z.enum(['ifcfg', 'ifupdown']).default('ifcfg'),
        /** Run live network commands inside this namespace (sandbox and tests). */
        netns: z.string().optional(),
        /** Seconds a change with connectivityCheck waits for the manager by default. */
        connectivityTimeout: z.number().int().min(1).max(3600).default(120),
        /** Verification read-backs after apply. */
        verifyRetries: z.number().int().min(0).max(50).default(5),
        verifyIntervalMs: z.number().int().min(10).max(10_000).default(200),
      })
      .strict()
      .prefault({}),
    libvirt: z
      .object({
        uri: z.string().default('qemu:///system'),
        /** Seconds a stop_vm waits for a guest shutdown before reporting it. */
        shutdownTimeout: z.number().int().min(1).max(3600).default(300),
        /** Seconds between bulk statistics refreshes. */
        statsInterval: z.number().int().min(1).max(3600).default(10),
        /** KVM hosts: 'tcg' defines `<domain type='qemu'>` guests (no hardware virtualization). */
        accel: z.enum(['kvm', 'tcg']).default('kvm'),
        /** KVM hosts: the QEMU binary for `<emulator>` (libvirt chooses when absent). */
        emulator: z.string().optional(),
        /** Seconds between polls while stop_vm waits for a guest shutdown. */
        shutdownPollMs: z.number().int().min(10).max(60_000).default(1000),
      })
      .strict()
      .prefault({}),
    cluster: z
      .object({
        /** o2cb: the pool FS is OCFS2 with the o2cb stack; none: any shared directory, no cluster. */
        stack: z.enum(['o2cb', 'none']).default('o2cb'),
        /** Size of the sparse ovspoolfs.img created on an NFS pool FS target. */
        poolFsImageBytes: z.number().int().min(256 * 1024 * 1024).default(10 * 1024 * 1024 * 1024),
        /** OCFS2 node slots of a new pool FS (the most members a pool can have). */
        poolFsSlots: z.number().int().min(2).max(255).default(32),
        /** Milliseconds between two samples of the heartbeat region (o2hb's own period). */
        heartbeatSampleMs: z.number().int().min(100).max(60_000).default(2000),
      })
      .strict()
      .prefault({}),
    /**
     * OVM_Version that discover_server reports. Managers gate on it: Apache CloudStack's ovm3
     * plugin accepts 3.2.x and 3.3.x (older releases 3.2.x only); Oracle VM Manager 3.4 wants 3.4.x.
     */
    ovmVersion: z
      .string()
      .regex(/^\d+\.\d+\.\d+(-\d+)?$/, 'expected a version like 3.3.1 or 3.2.1-517')
      .default('3.3.1'),
    /** Opt-in built-in extensions; `cloudstack` adds the methods of CloudStack's agent module. */
    extensions: z.array(z.enum(['cloudstack'])).max(8).default([]),
    storage: z
      .object({
        /** Vendor Storage Connect plugins (ES modules), owned by root and not group/world-writable. */
        pluginDir: z.string().default('/opt/hvagent/storage-plugins'),
        /** Upper bound for any one external storage command (showmount, mkfs, ...), in ms. */
        commandTimeoutMs: z.number().int().min(100).max(3_600_000).default(60_000),
        /** Upper bound for status-type probes of a server (export listing, validate), in ms. */
        probeTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
        /** Upper bound for one mount or unmount, in ms (a dead NFS server must not hang a call). */
        mountTimeoutMs: z.number().int().min(100).max(3_600_000).default(120_000),
        /** Directories a new local-directory repository (fs_location /dir) may be created or adopted in. */
        repositoryRoots: z
          .array(z.string().max(1024).refine(isRepositoryRoot, 'expected a clean absolute path other than /'))
          .min(1)
          .max(64)
          .default([...DEFAULT_REPOSITORY_ROOTS]),
      })
      .strict()
      .prefault({}),
    ha: z
      .object({
        /** Run the HA engine when the host is in a clustered pool (needs the sanlock daemon). */
        enabled: z.boolean().default(true),
        /** sanlock io_timeout (s): renewal every 2x, FAIL after 8x, DEAD after 8x + 60 (oVirt's default 10). */
        ioTimeout: z.number().int().min(1).max(60).default(10),
        /** How a member that lost its lease stops being one: reset the host, or power off its HA VMs. */
        fence: z.enum(['reboot', 'stop-vms']).default('reboot'),
        /** Where restarted HA VMs go: the member with most free memory, or the lowest node that fits. */
        placement: z.enum(['most-free', 'first-fit']).default('most-free'),
        /** Who holds a running HA VM's lease: a holder process per VM, or qemu itself through libvirt's sanlock lock manager. */
        vmLeases: z.enum(['holder', 'libvirt']).default('holder'),
        /** The sanlock daemon's run directory when not the default /run/sanlock. */
        sanlockRunDir: z.string().optional(),
      })
      .strict()
      .prefault({}),
    sandbox: z.boolean().default(false),
  })
  .strict();

export type AgentConfig = z.output<typeof configSchema>;
export type AgentConfigInput = z.input<typeof configSchema>;

/** Keys that take effect without a restart when agent.yaml changes. */
export const LIVE_KEYS: readonly string[] = ['log.level', 'statistics.interval'];

export interface ConfigProblem {
  path: string;
  message: string;
}

export type ParseResult = { ok: true; config: AgentConfig } | { ok: false; problems: ConfigProblem[] };

export function parseConfig(raw: unknown): ParseResult {
  const r = configSchema.safeParse(raw ?? {});
  if (r.success) return { ok: true, config: deepFreeze(r.data) };
  return {
    ok: false,
    problems: r.error.issues.map((i) => ({ path: i.path.join('.') || '(root)', message: i.message })),
  };
}

export function deepFreeze<T>(o: T): T {
  if (o && typeof o === 'object' && !Object.isFrozen(o)) {
    Object.freeze(o);
    for (const v of Object.values(o as Record<string, unknown>)) deepFreeze(v);
  }
  return o;
}

/** Dotted keys whose values differ between two configs. */
export function changedKeys(a: unknown, b: unknown, prefix = ''): string[] {
  if (a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a)) {
    const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
    return [...keys].flatMap((k) =>
      changedKeys((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], prefix ? `${prefix}.${k}` : k),
    );
  }
  return JSON.stringify(a) === JSON.stringify(b) ? [] : [prefix];
}
