// `hvagent reset-networking`: the emergency network reset (XenServer's xe-reset-networking,
// adapted). Warns, asks for `yes`, stores a new master address on a pool member, stops the agent,
// removes the agent's bond/VLAN/bridge configs, writes the management interface config and the
// trigger file, then reboots (or restarts the agent with --no-reboot).
import { AgentError, isAgentError } from '../../core/errors.js';
import type { BackendName } from '../../core/net/backend.js';
import type { ResetRequest } from '../../core/net/reset-trigger.js';
import type { Exec } from '../../host/exec.js';
import type { HostFs } from '../../host/host-fs.js';
import { prepareNetworkReset } from '../../services/network/reset.js';

export interface ResetNetworkingEnv {
  fs: HostFs;
  exec: Exec;
  backend: BackendName;
  /** Host path of the agent state directory (config paths.stateDir). */
  stateDir: string;
  /** True on a pool member (where --master applies). */
  isPoolMember?: () => boolean;
  setMasterAddress?: (ip: string) => void;
  /** The management device when --device is not given (e.g. the stored lastClientIface). */
  defaultDevice?: () => string | undefined;
  prompt: (question: string) => Promise<string>;
  out: (line: string) => void;
  err: (line: string) => void;
  /** systemd unit of the agent. */
  unit?: string;
}

const USAGE = `Usage: hvagent reset-networking [--device DEV] [--mode dhcp|static] [--ip IP --netmask MASK]
       [--gateway GW] [--dns IP[,IP]] [--vlan ID] [--master IP] [--yes] [--no-reboot]`;

const VALUE_FLAGS = ['master', 'device', 'mode', 'ip', 'netmask', 'gateway', 'dns', 'vlan'];

export function parseResetArgs(argv: string[]): { opts: Record<string, string>; yes: boolean; noReboot: boolean } {
  const opts: Record<string, string> = {};
  let yes = false;
  let noReboot = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--yes' || a === '-y') yes = true;
    else if (a === '--no-reboot') noReboot = true;
    else if (a.startsWith('--')) {
      const [k, inline] = a.slice(2).split(/=(.*)/s, 2);
      if (!VALUE_FLAGS.includes(k)) throw new AgentError('NET_RESET_INVALID', `unknown option --${k}`);
      const v = inline ?? argv[++i];
      if (v === undefined) throw new AgentError('NET_RESET_INVALID', `--${k} needs a value`);
      opts[k] = v;
    } else throw new AgentError('NET_RESET_INVALID', `unexpected argument ${a}`);
  }
  return { opts, yes, noReboot };
}

export async function run(argv: string[], env: ResetNetworkingEnv): Promise<number> {
  if (argv.includes('--help')) {
    env.out(USAGE);
    return 0;
  }
  const unit = env.unit ?? 'hvagent';
  try {
    const { opts, yes, noReboot } = parseResetArgs(argv);
    const device = opts.device ?? env.defaultDevice?.();
    if (!device) throw new AgentError('NET_RESET_INVALID', '--device is required (no stored management interface)');
    const mode = (opts.mode ?? (opts.ip ? 'static' : 'dhcp')) as ResetRequest['mode'];
    const req: ResetRequest & { master?: string } = { device, mode };
    if (opts.ip) req.ip = opts.ip;
    if (opts.netmask) req.netmask = opts.netmask;
    if (opts.gateway) req.gateway = opts.gateway;
    if (opts.dns) req.dns = opts.dns;
    if (opts.vlan) {
      if (!/^\d+$/.test(opts.vlan)) throw new AgentError('NET_RESET_INVALID', `--vlan ${opts.vlan} is not a number`);
      req.vlan = Number(opts.vlan);
    }
    if (opts.master) {
      if (env.isPoolMember && !env.isPoolMember()) env.err('warning: this host is not a pool member; --master is ignored');
      else req.master = opts.master;
    }
    env.out('WARNING: this removes every bond, VLAN and bridge the agent configured on this host and');
    env.out(`configures only ${req.vlan !== undefined ? `${device}.${req.vlan}` : device} (${mode}). Shut down running VMs first.`);
    env.out(noReboot ? 'The agent is restarted afterwards.' : 'The host REBOOTS afterwards.');
    if (!yes) {
      const answer = (await env.prompt("Type 'yes' to reset the networking: ")).trim();
      if (answer !== 'yes') {
        env.out('aborted; nothing was changed');
        return 1;
      }
    }
    await env.exec.run(['systemctl', 'stop', unit], { allowFail: true });
    const done = await prepareNetworkReset(req, { fs: env.fs, backend: env.backend, stateDir: env.stateDir, setMasterAddress: env.setMasterAddress });
    for (const l of done) env.out(l);
    if (noReboot) await env.exec.run(['systemctl', 'start', unit]);
    else await env.exec.run(['systemctl', 'reboot']);
    return 0;
  } catch (e) {
    env.err(`reset-networking: ${isAgentError(e) ? `${e.code}: ` : ''}${(e as Error).message}`);
    env.err(USAGE);
    return 2;
  }
}
