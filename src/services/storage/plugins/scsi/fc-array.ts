// The Fibre Channel half of the generic SCSI plugin: HBAs and remote ports from sysfs, LUNs
// from the SCSI devices behind the FC hosts (one element per WWID, with every path), rescan.
import { AgentError } from '../../../../core/errors.js';
import type { SeInfo } from '../../../../core/storage/records.js';
import { buildStorageElements, type LunSighting } from '../../../../core/storage/scsi/lun-elements.js';
import type { Exec } from '../../../../host/exec.js';
import type { HostFs } from '../../../../host/host-fs.js';
import { readFcHosts, readFcRemotePorts, readScsiLuns, rescanScsiHost, type FcHost } from '../../../../host/storage/fc-sysfs.js';
import { byPathLinks, MultipathReader, settleUdev } from '../../../../host/storage/scsi-devices.js';

export class FcArray {
  private readonly multipath: MultipathReader;

  constructor(private readonly deps: { exec: Exec; fs: HostFs; timeoutMs: number }) {
    this.multipath = new MultipathReader({ exec: deps.exec, timeoutMs: deps.timeoutMs });
  }

  hbas(): Promise<FcHost[]> {
    return readFcHosts(this.deps.fs);
  }

  /** HBAs that are up; none at all is a fault (the host has no FC fabric). */
  async onlineHbas(): Promise<FcHost[]> {
    const all = await this.hbas();
    if (all.length === 0) throw new AgentError('STORAGE_SERVER_UNREACHABLE', 'Fibre Channel: this host has no HBA (/sys/class/fc_host is empty)');
    const up = all.filter((h) => h.portState === 'Online');
    if (up.length === 0) throw new AgentError('STORAGE_SERVER_UNREACHABLE', `Fibre Channel: no HBA is online (${all.map((h) => `${h.name} ${h.portState ?? 'unknown'}`).join(', ')})`);
    return up;
  }

  /** Remote target ports (WWPNs) seen by the HBAs. */
  async targetPorts(): Promise<string[]> {
    const rports = await readFcRemotePorts(this.deps.fs);
    return [...new Set(rports.filter((r) => r.roles.includes('FCP Target') && r.wwpn).map((r) => r.wwpn!))];
  }

  async elements(ssUuid: string): Promise<SeInfo[]> {
    const hbas = await this.hbas();
    const rports = await readFcRemotePorts(this.deps.fs);
    const luns = (await readScsiLuns(this.deps.fs, hbas.map((h) => h.host))).filter((l) => l.type === 'DIRECT_ACCESS');
    const links = await byPathLinks(this.deps.fs);
    const sightings: LunSighting[] = luns.map((l) => {
      const rport = rports.find((r) => r.host === l.host && r.channel === l.channel && r.scsiTargetId === l.target);
      const s: LunSighting = {
        transport: 'fc',
        lun: l.lun,
        wwid: l.wwid ?? '',
        vendor: l.vendor,
        product: l.model,
        serial: l.serial ?? '',
        size: l.size ?? 0,
        hba: `host${l.host}`,
        hctl: l.hctl,
        devState: l.state,
      };
      if (rport?.wwpn) s.remotePort = rport.wwpn;
      if (l.dev) {
        s.dev = l.dev;
        const link = links.get(l.dev)?.find((p) => /-fc-/.test(p)) ?? links.get(l.dev)?.[0];
        if (link) s.byPath = link;
      }
      return s;
    });
    const mp = sightings.length > 0 ? await this.multipath.read() : { available: false, maps: [] };
    return buildStorageElements(sightings, mp.maps, ssUuid);
  }

  /** issue_lip + scan on every FC host. */
  async rescan(): Promise<void> {
    for (const h of await this.hbas()) await rescanScsiHost(this.deps.fs, h.name);
    await settleUdev(this.deps.exec, this.deps.timeoutMs);
  }
}
