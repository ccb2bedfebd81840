// Emergency network reset (after XenServer's design): the CLI side prepares it (removes the
// bond/VLAN/bridge configs the agent owns, writes the management interface config and a trigger
// file); at start the agent applies the trigger: drops stored devices (logical networks stay),
// rescans the NICs, configures the management interface, records an event, deletes the trigger.
import { fail } from '../../core/errors.js';
import { BACKENDS, type BackendName } from '../../core/net/backend.js';
import { canonicalize } from '../../core/net/canonicalize.js';
import { isAgentWritten } from '../../core/net/ifcfg-render.js';
import { ifcfgToModel } from '../../core/net/ifcfg-parse.js';
import { netmaskToPrefix } from '../../core/net/ip-util.js';
import { DEFAULT_MTU, type IpConfig, type NetModel } from '../../core/net/model.js';
import { checkResetRequest, resetRequestToTrigger, triggerToResetRequest, type ResetRequest } from '../../core/net/reset-trigger.js';
import type { HostFs } from '../../host/host-fs.js';
import type { NetworkService } from './network-service.js';

export const RESET_TRIGGER = 'network-reset';

function requestIp(r: ResetRequest): IpConfig {
  if (r.mode === 'dhcp') return { proto: 'dhcp' };
  const prefix = netmaskToPrefix(r.netmask ?? '');
  if (prefix === undefined) throw fail('NET_RESET_INVALID', `--netmask ${r.netmask} is not a valid netmask`);
  return r.gateway ? { proto: 'static', address: r.ip!, prefix, gateway: r.gateway } : { proto: 'static', address: r.ip!, prefix };
}

/** The management interface alone: the device, and its VLAN when one is given. */
export function resetModel(r: ResetRequest, base?: NetModel): NetModel {
  const m: NetModel = base ? structuredClone(base) : { ifaces: {}, networks: {} };
  for (const [n, i] of Object.entries(m.ifaces)) if (i.kind !== 'port') delete m.ifaces[n];
  const ip = requestIp(r);
  const dev = m.ifaces[r.device] ?? { name: r.device, kind: 'port' as const, mtu: DEFAULT_MTU, ip: { proto: 'none' as const } };
  dev.ip = r.vlan === undefined ? ip : { proto: 'none' };
  m.ifaces[r.device] = dev;
  if (r.vlan !== undefined) {
    const name = `${r.device}.${r.vlan}`;
    m.ifaces[name] = { name, kind: 'vlan', parent: r.device, id: r.vlan, mtu: dev.mtu, ip };
  }
  return canonicalize(m);
}

export interface PrepareResetDeps {
  fs: HostFs;
  backend: BackendName;
  stateDir: string;
  /** Stores the new pool master address on a pool member. */
  setMasterAddress?: (ip: string) => void;
}

/** CLI side: everything but stopping the agent and rebooting. Returns what it did, for the user. */
export async function prepareNetworkReset(r: ResetRequest & { master?: string }, d: PrepareResetDeps): Promise<string[]> {
  checkResetRequest(r);
  const done: string[] = [];
  if (r.master) {
    d.setMasterAddress?.(r.master);
    done.push(`stored the pool master address ${r.master}`);
  }
  const backend = BACKENDS[d.backend];
  const owned: Record<string, string> = {};
  for (const dir of backend.dirs) {
    for (const f of await d.fs.list(dir)) {
      const p = `${dir}/${f}`;
      const text = await d.fs.readTextIfExists(p);
      if (text !== undefined && isAgentWritten(text)) owned[p] = text;
    }
  }
  // which devices do our files describe? (ifcfg files name their device; others by file name)
  const byName: Record<string, string> = {};
  for (const [p, t] of Object.entries(owned)) byName[p.slice(p.lastIndexOf('/') + 1)] = t;
  const fileModel = d.backend === 'ifcfg' ? ifcfgToModel(byName) : undefined;
  for (const p of Object.keys(owned).sort()) {
    const file = p.slice(p.lastIndexOf('/') + 1);
    const dev = file.replace(/^(ifcfg-|meta-)/, '');
    const kind = fileModel?.ifaces[dev]?.kind;
    const isBondVlanBridge = fileModel ? kind !== undefined && kind !== 'port' : /bond-slaves|vlan-raw-device|bridge-ports/.test(owned[p]);
    if (!file.startsWith('meta-') && !isBondVlanBridge) continue;
    await d.fs.remove(p);
    done.push(`removed ${p}`);
  }
  const model = resetModel(r, fileModel ? { ifaces: Object.fromEntries(Object.entries(fileModel.ifaces).filter(([, i]) => i.kind === 'port')), networks: {} } : undefined);
  for (const name of Object.keys(model.ifaces)) {
    if (model.ifaces[name].kind === 'port' && name !== r.device) model.ifaces[name].ip = { proto: 'none' };
    for (const [p, text] of Object.entries(backend.filesFor(model, name))) {
      const withDns = r.dns && d.backend === 'ifcfg' && model.ifaces[name].ip.proto !== 'none'
        ? text + r.dns.split(',').map((s, i) => `DNS${i + 1}=${s}\n`).join('')
        : text;
      if ((await d.fs.writeAtomic(p, withDns)).changed) done.push(`wrote ${p}`);
    }
  }
  await d.fs.writeAtomic(`${d.stateDir}/${RESET_TRIGGER}`, resetRequestToTrigger(r));
  done.push(`wrote the reset trigger ${d.stateDir}/${RESET_TRIGGER}`);
  return done;
}

/** Agent start side: applies a pending reset trigger, if any. Returns true when one was applied. */
export async function applyResetTrigger(svc: NetworkService): Promise<boolean> {
  const { pipe, deps } = svc;
  const { fs, config, events, log } = deps;
  const path = `${config.paths.stateDir}/${RESET_TRIGGER}`;
  const text = await fs.readTextIfExists(path);
  if (text === undefined) return false;
  const req = triggerToResetRequest(text);
  log.warn({ device: req.device, mode: req.mode }, 'emergency network reset: applying the trigger');
  try {
    await pipe.locked(async () => {
      // drop stored ports, bonds, VLANs and bridges; logical networks stay
      for (const kind of ['running', 'safe'] as const) {
        const m = pipe.repo.get(kind);
        if (m) pipe.repo.set(kind, { ifaces: {}, networks: m.networks });
      }
      await pipe.change({ label: `reset-networking ${req.device}` }, (cur) => ({ desired: resetModel(req, cur) }));
      pipe.repo.promoteSafe();
    });
  } catch (e) {
    events.emit({ severity: 'error', object: 'network', code: 'NETWORK_RESET_FAILED', message: `emergency network reset on ${req.device} failed: ${(e as Error).message.slice(0, 300)}`, data: { device: req.device, mode: req.mode } });
    throw e;
  }
  await fs.remove(path);
  events.emit({
    severity: 'warning',
    object: 'network',
    code: 'NETWORK_RESET',
    message: `emergency network reset: management interface ${req.vlan !== undefined ? `${req.device}.${req.vlan}` : req.device} configured (${req.mode})`,
    data: { ...req },
  });
  return true;
}

/** The CLI-side reset under the name the CLI uses. */
export const resetNetworking = prepareNetworkReset;
