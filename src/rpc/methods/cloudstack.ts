// The methods of Apache CloudStack's ovm3 agent module (cloudstack.py), as the opt-in built-in
// extension `cloudstack`. Callable before ownership: CloudStack uploads its key and checks the
// host before it takes ownership. Contents (keys, files, commands) are secret in the logs.
import { z } from 'zod';
import * as R from '../results.js';
import { wireInt } from '../wire-types.js';
import { defineMethod, type MethodDef } from '../method.js';
import type { CloudstackModule } from '../../services/cloudstack/cloudstack-module.js';

const str = (max = 4096) => z.string().max(max);
const content = z.string().max(16 * 1024 * 1024);
const int = (min: number, max: number, what?: string) => wireInt({ min, max, strings: true, what });
const port = int(1, 65535, 'port');
const seconds = int(1, 3600, 'seconds');

/** The answers as cloudstack.py gives them (CloudStack's CloudstackPlugin.java reads them so). */
const flag = z.boolean();
const RESULTS: Record<string, z.ZodType> = {
  get_module_version: R.text,
  get_ovs_version: R.text,
  ping: flag,
  check_dom0_ip: flag,
  check_dom0_port: flag,
  check_domr_port: flag,
  check_domr_ssh: flag,
  ovs_check_file: flag,
  check_dom0_storage_health: flag,
  exec_domr: R.struct,
  ovs_dom0_stats: R.struct,
  ovs_domU_stats: R.struct,
  get_vncport: R.text,
};

export function cloudstackMethods(cs: CloudstackModule, ovmVersion: string): MethodDef[] {
  const m = (name: string, summary: string, params: z.ZodType<unknown[]>, handler: (a: never) => unknown, secretArgs?: number[]) =>
    defineMethod({ name, result: RESULTS[name] ?? R.anything, summary: `(cloudstack) ${summary}`, access: 'public', params, secretArgs, handler: handler as never });
  return [
    m('call', 'return the message (the module test call)', z.tuple([z.unknown()]), ([msg]: [unknown]) => msg),
    m('get_module_version', "the agent module's version", z.tuple([]), () => '0.1'),
    m('get_ovs_version', 'the OVM version this host reports', z.tuple([]), () => ovmVersion.replace(/-.*$/, '')),
    m('ping', 'ping a host three times; true when it answered', z.tuple([str(253)]), ([h]: [string]) => cs.ping(h)),
    m('check_dom0_ip', 'is the address on one of this host\'s interfaces', z.tuple([str(15)]), ([ip]: [string]) => cs.dom0HasIp(ip)),
    m('check_dom0_port', 'does a TCP port answer (ip, port = 3922, timeout = 3 s)', z.tuple([str(253), port.optional(), seconds.optional()]),
      ([ip, p, t]: [string, number?, number?]) => cs.checkPort(ip, p ?? 3922, t ?? 3, false)),
    m('check_domr_port', 'does a TCP port of a link-local virtual router answer', z.tuple([str(15), port.optional(), seconds.optional()]),
      ([ip, p, t]: [string, number?, number?]) => cs.checkPort(ip, p ?? 3922, t ?? 3, true)),
    m('check_domr_ssh', 'can root log in to a virtual router of this host over ssh', z.tuple([str(15), port.optional(), seconds.optional()]),
      ([ip, , t]: [string, number?, number?]) => cs.domrCheckSsh(ip, t ?? 10)),
    m('exec_domr', 'run a command on a virtual router of this host over ssh; {rc (i8), out, err}', z.tuple([str(15), content, seconds.optional()]),
      ([ip, cmd, t]: [string, string, number?]) => cs.domrExec(ip, cmd, t ?? 10), [1]),
    m('ovs_domr_upload_file', 'copy content to path/file on a virtual router of this host (scp)', z.tuple([str(15), str(), str(255), content]),
      ([ip, p, f, c]: [string, string, string, string]) => cs.domrUploadFile(ip, p, f, c), [3]),
    m('ovs_control_interface', 'route the link-local control cidr on dev only, ARP on', z.tuple([str(15), str(18)]),
      ([dev, cidr]: [string, string]) => cs.controlInterface(dev, cidr)),
    m('ovs_mkdirs', 'make a directory under the module paths (nil when made, true when there)', z.tuple([str(), int(0, 0o7777).optional()]),
      ([d, mode]: [string, number?]) => cs.mkdirs(d, mode)),
    m('ovs_check_file', 'is there a file (module paths, /root/.ssh)', z.tuple([str()]), ([f]: [string]) => cs.checkFile(f)),
    m('ovs_upload_file', 'write path/filename under the module paths', z.tuple([str(), str(255), content]),
      ([p, f, c]: [string, string, string]) => cs.uploadFile(p, f, c), [2]),
    m('ovs_upload_ssh_key', "write a key file into root's ~/.ssh (0600)", z.tuple([str(255), content]),
      ([k, c]: [string, string]) => cs.uploadSshKey(k, c), [1]),
    m('ovs_dom0_stats', 'host cpu %, free and total memory, a bridge\'s packet counters (strings)', z.tuple([str(64)]),
      ([b]: [string]) => cs.dom0Stats(b)),
    m('ovs_domU_stats', "a domain's disk, network and cpu counters (strings)", z.tuple([str(255)]), ([d]: [string]) => cs.domUStats(d)),
    m('get_vncport', 'the VNC port of a CloudStack-named domain ("0" otherwise)', z.tuple([str(255)]), ([d]: [string]) => cs.vncPort(d)),
    m('check_dom0_storage_health_check', 'start storagehealth.py unless it runs: [running, started]',
      z.tuple([str(), str(255), str(255), seconds, seconds]),
      ([, , guid, t, i]: [string, string, string, number, number]) => cs.storageHealthCheck(guid, t, i)),
    m('check_dom0_storage_health', 'the storage health script\'s one-shot check: true when primary storage is reachable',
      z.tuple([str(), str(255), str(255), seconds]),
      ([p, s, guid, t]: [string, string, string, number]) => cs.storageHealth(p, s, guid, t)),
  ];
}
