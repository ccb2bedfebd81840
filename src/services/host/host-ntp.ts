// NTP through chrony: time sources in chrony.conf (other lines kept), the daemon started,
// stopped, enabled and disabled through a ServiceManager, its state from its PID or chronyc.
import type { ServiceDeps } from '../context.js';
import { fail } from '../../core/errors.js';
import { chronyConfToNtp, NTP_SERVER_RE, ntpServersToChronyConf } from '../../core/hostinfo/chrony-conf.js';
import type { ServiceManager } from './service-manager.js';

export type NtpDeps = Pick<ServiceDeps, 'config' | 'log' | 'exec' | 'fs'>;

export type NtpState = [string[], boolean, boolean];

const PID_FILES = ['/run/chrony/chronyd.pid', '/var/run/chrony/chronyd.pid', '/run/chronyd.pid', '/var/run/chronyd.pid'];

export class HostNtp {
  constructor(
    private readonly deps: NtpDeps,
    private readonly services: ServiceManager,
  ) {}

  /** RHEL keeps /etc/chrony.conf, Debian /etc/chrony/chrony.conf. */
  async confPath(): Promise<string> {
    const fs = this.deps.fs;
    if (await fs.exists('/etc/chrony.conf')) return '/etc/chrony.conf';
    if ((await fs.exists('/etc/chrony/chrony.conf')) || (await fs.exists('/etc/debian_version'))) return '/etc/chrony/chrony.conf';
    return '/etc/chrony.conf';
  }

  /** The unit is `chronyd` on RHEL-like hosts, `chrony` on Debian. */
  async unit(): Promise<string> {
    const fs = this.deps.fs;
    for (const dir of ['/usr/lib/systemd/system', '/lib/systemd/system', '/etc/systemd/system']) {
      if (await fs.exists(`${dir}/chronyd.service`)) return 'chronyd';
    }
    for (const dir of ['/usr/lib/systemd/system', '/lib/systemd/system']) {
      if (await fs.exists(`${dir}/chrony.service`)) return 'chrony';
    }
    return 'chronyd';
  }

  private async pidAlive(): Promise<boolean> {
    for (const p of PID_FILES) {
      const pid = (await this.deps.fs.readTextIfExists(p))?.trim();
      if (!pid || !/^\d+$/.test(pid)) continue;
      const comm = (await this.deps.fs.readTextIfExists(`/proc/${pid}/comm`))?.trim();
      if (comm === 'chronyd') return true;
    }
    return false;
  }

  async isRunning(): Promise<boolean> {
    if (await this.pidAlive()) return true;
    if (await this.services.isActive(await this.unit())) return true;
    if (this.deps.config.sandbox) return false;
    const r = await this.deps.exec.run(['chronyc', '-n', 'tracking'], { allowFail: true, timeoutMs: 5000 });
    return r.code === 0;
  }

  async getNtp(): Promise<NtpState> {
    const conf = (await this.deps.fs.readTextIfExists(await this.confPath())) ?? '';
    const { servers, localTimeSource } = chronyConfToNtp(conf);
    return [servers, localTimeSource, await this.isRunning()];
  }

  async setNtp(servers: readonly string[], running: boolean): Promise<void> {
    const bad = servers.filter((s) => s.length > 253 || !NTP_SERVER_RE.test(s));
    if (bad.length) throw fail('INVALID_ARGUMENT', `not an NTP server name or address: ${bad.map((b) => JSON.stringify(b)).join(', ')}`);
    const path = await this.confPath();
    const cur = await this.deps.fs.readTextIfExists(path);
    const { changed } = await this.deps.fs.writeAtomic(path, ntpServersToChronyConf(cur, servers));
    this.deps.log.info({ servers, running, changed, path }, 'NTP servers set');
    const unit = await this.unit();
    if (running) {
      await this.services.enable(unit);
      // A restart is how chronyd picks up the new sources.
      await this.services.restart(unit);
    } else {
      await this.services.stop(unit);
      await this.services.disable(unit);
    }
  }

  async enableNtp(): Promise<void> {
    const unit = await this.unit();
    await this.services.enable(unit);
    await this.services.start(unit);
  }

  async disableNtp(): Promise<void> {
    const unit = await this.unit();
    await this.services.stop(unit);
    await this.services.disable(unit);
  }
}
