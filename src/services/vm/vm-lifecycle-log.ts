// The VM life-cycle log (/var/log/hvagent/vm-events.log, one line per start, stop, crash,
// migration, HA action, with time, VM, host and cause) and the matching journal events.
import type { Logger } from 'pino';
import { dashUuid } from '../../core/vm/vm-cfg.js';
import type { Clock } from '../../host/clock.js';
import type { HostFs } from '../../host/host-fs.js';
import { appendLine } from '../../host/line-log.js';
import type { EventSink, Severity } from '../events/event-journal.js';

export type LifecycleAction =
  | 'create' | 'delete' | 'start' | 'stop' | 'kill' | 'shutdown-timeout' | 'reboot' | 'pause' | 'unpause'
  | 'save' | 'restore' | 'migrate' | 'crash' | 'stopped-while-away' | 'adopt' | 'ha-enable' | 'ha-disable' | 'ha-crash'
  | 'ha-restart' | 'ha-start' | 'ha-start-failed' | 'ha-pending' | 'ha-lease-busy' | 'ha-fence' | 'ha-evacuate';

export type Cause = 'manager' | 'agent' | 'guest' | 'hypervisor' | 'unknown';

export interface LifecycleEntry {
  action: LifecycleAction;
  vm: { repoId?: string; vmId?: string; uuid: string; name?: string };
  cause: Cause;
  detail?: string;
}

const EVENT_CODES: Partial<Record<LifecycleAction, { code: string; severity: Severity }>> = {
  start: { code: 'VM_STARTED', severity: 'info' },
  stop: { code: 'VM_STOPPED', severity: 'info' },
  kill: { code: 'VM_KILLED', severity: 'warning' },
  'shutdown-timeout': { code: 'VM_SHUTDOWN_TIMEOUT', severity: 'warning' },
  migrate: { code: 'VM_MIGRATED', severity: 'info' },
  crash: { code: 'VM_CRASHED', severity: 'error' },
  'stopped-while-away': { code: 'VM_STOPPED_WHILE_AGENT_DOWN', severity: 'warning' },
  'ha-crash': { code: 'VM_HA_DOWN', severity: 'critical' },
  'ha-enable': { code: 'VM_HA_ENABLED', severity: 'info' },
  'ha-disable': { code: 'VM_HA_DISABLED', severity: 'info' },
  'ha-restart': { code: 'VM_HA_RESTART_PLACED', severity: 'warning' },
  'ha-start': { code: 'VM_HA_RESTARTED', severity: 'warning' },
  'ha-start-failed': { code: 'VM_HA_RESTART_FAILED', severity: 'error' },
  'ha-pending': { code: 'VM_HA_PENDING', severity: 'error' },
  'ha-lease-busy': { code: 'VM_HA_LEASE_BUSY', severity: 'warning' },
  'ha-fence': { code: 'VM_HA_FENCED', severity: 'critical' },
  'ha-evacuate': { code: 'VM_HA_EVACUATED', severity: 'info' },
};

function field(v: string | undefined): string {
  if (v === undefined || v === '') return '-';
  return /[\s"=]/.test(v) ? JSON.stringify(v) : v;
}

export class VmLifecycleLog {
  host = '-';
  private readonly watchers: Array<(e: LifecycleEntry) => void> = [];

  constructor(
    private readonly deps: { fs: HostFs; clock: Clock; events: EventSink; log: Logger; file: string },
  ) {}

  /** Called after each entry is recorded (the HA service reports a VM change at once). */
  watch(fn: (e: LifecycleEntry) => void): void {
    this.watchers.push(fn);
  }

  async record(e: LifecycleEntry): Promise<void> {
    const time = new Date(this.deps.clock.now()).toISOString();
    const vm = e.vm.repoId && e.vm.vmId ? `${e.vm.repoId}/${e.vm.vmId}` : undefined;
    const uuid = /^[0-9a-fA-F-]{32,36}$/.test(e.vm.uuid) ? dashUuid(e.vm.uuid) : e.vm.uuid;
    const line = `${time} host=${field(this.host)} action=${e.action} vm=${field(vm)} uuid=${field(uuid)} name=${field(e.vm.name)} cause=${e.cause}${e.detail ? ` detail=${field(e.detail)}` : ''}`;
    try {
      await appendLine(this.deps.fs, this.deps.file, line);
    } catch (err) {
      this.deps.log.error({ err, file: this.deps.file }, 'cannot write the VM life-cycle log');
    }
    this.deps.log.info({ vm: vm ?? e.vm.uuid, action: e.action, cause: e.cause, detail: e.detail }, 'vm life-cycle');
    const ev = EVENT_CODES[e.action];
    if (ev) {
      this.deps.events.emit({
        severity: ev.severity,
        object: `vm:${uuid}`,
        code: ev.code,
        message: `VM ${vm ?? e.vm.name ?? e.vm.uuid}: ${e.action} (${e.cause})${e.detail ? `: ${e.detail}` : ''}`,
        data: { repoId: e.vm.repoId, vmId: e.vm.vmId, uuid, host: this.host, cause: e.cause },
      });
    }
    for (const w of this.watchers) w(e);
  }
}
