// Starting, stopping and enabling host daemons (chronyd) behind a small interface: systemctl
// on real hosts, an in-memory stand-in in sandbox mode so the real daemon is never touched.
import type { Exec } from '../../host/exec.js';

export interface ServiceManager {
  isActive(unit: string): Promise<boolean>;
  start(unit: string): Promise<void>;
  stop(unit: string): Promise<void>;
  restart(unit: string): Promise<void>;
  enable(unit: string): Promise<void>;
  disable(unit: string): Promise<void>;
}

export class SystemctlServiceManager implements ServiceManager {
  constructor(private readonly exec: Exec) {}

  async isActive(unit: string): Promise<boolean> {
    const r = await this.exec.run(['systemctl', 'is-active', '--quiet', unit], { allowFail: true, timeoutMs: 10_000 });
    return r.code === 0;
  }

  async start(unit: string): Promise<void> {
    await this.exec.run(['systemctl', 'start', unit], { timeoutMs: 60_000 });
  }

  async stop(unit: string): Promise<void> {
    await this.exec.run(['systemctl', 'stop', unit], { timeoutMs: 60_000 });
  }

  async restart(unit: string): Promise<void> {
    await this.exec.run(['systemctl', 'restart', unit], { timeoutMs: 60_000 });
  }

  async enable(unit: string): Promise<void> {
    await this.exec.run(['systemctl', 'enable', unit], { timeoutMs: 60_000 });
  }

  async disable(unit: string): Promise<void> {
    await this.exec.run(['systemctl', 'disable', unit], { timeoutMs: 60_000 });
  }
}

/** Sandbox mode: remembers what it was told, runs nothing. */
export class SandboxServiceManager implements ServiceManager {
  readonly active = new Set<string>();
  readonly enabled = new Set<string>();

  async isActive(unit: string): Promise<boolean> {
    return this.active.has(unit);
  }
  async start(unit: string): Promise<void> {
    this.active.add(unit);
  }
  async stop(unit: string): Promise<void> {
    this.active.delete(unit);
  }
  async restart(unit: string): Promise<void> {
    this.active.add(unit);
  }
  async enable(unit: string): Promise<void> {
    this.enabled.add(unit);
  }
  async disable(unit: string): Promise<void> {
    this.enabled.delete(unit);
  }
}
