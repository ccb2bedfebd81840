// Whether HA VM leases go through libvirt's sanlock lock manager (`ha.vmLeases: libvirt`): on
// when configured and libvirt's files say sanlock (checked once per agent start). When they do
// not, the agent says why and keeps the holder-process leases, which are always safe.
import type { Logger } from 'pino';
import type { HostFs } from '../../host/host-fs.js';
import type { EventSink } from '../events/event-journal.js';
import { libvirtSanlockProblems } from '../../core/ha/libvirt-leases.js';

export const QEMU_CONF = '/etc/libvirt/qemu.conf';
export const QEMU_SANLOCK_CONF = '/etc/libvirt/qemu-sanlock.conf';

export class LibvirtLocks {
  private checked: Promise<string[]> | undefined;

  constructor(private readonly o: { fs: HostFs; log: Logger; events: EventSink; wanted: boolean }) {}

  /** Problems found in libvirt's configuration (empty when none, or when not wanted). */
  problems(): Promise<string[]> {
    this.checked ??= this.check();
    return this.checked;
  }

  /** True when HA VMs carry `<lease>` elements and qemu holds their leases. */
  async active(): Promise<boolean> {
    return this.o.wanted && (await this.problems()).length === 0;
  }

  private async check(): Promise<string[]> {
    if (!this.o.wanted) return [];
    const read = (p: string) => this.o.fs.readTextIfExists(p).catch(() => undefined);
    const problems = libvirtSanlockProblems(await read(QEMU_CONF), await read(QEMU_SANLOCK_CONF));
    if (problems.length) {
      this.o.log.error({ problems }, 'ha.vmLeases libvirt: libvirt is not set up for sanlock; HA VM leases stay with holder processes');
      this.o.events.emit({ severity: 'warning', object: 'host', code: 'HA_LIBVIRT_LOCKS_OFF', message: `ha.vmLeases libvirt not in effect: ${problems.join('; ')}` });
    }
    return problems;
  }
}
