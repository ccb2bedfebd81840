// Date, time and time zone of the host: get/set_datetime (UTC, through `date -u -s`) and
// get/set_timezone (/etc/localtime link plus /etc/sysconfig/clock or /etc/timezone).
import type { ServiceDeps } from '../context.js';
import { fail } from '../../core/errors.js';
import { shellVarsToRecord } from '../../core/hostinfo/os-release.js';
import { setShellVars } from '../../core/hostinfo/shell-vars.js';
import {
  dateToDateArg,
  dateToParts,
  datetimePartsToDate,
  isZoneName,
  localtimeLinkToZone,
  ZONEINFO_DIR,
  type DateTimeParts,
} from '../../core/hostinfo/time-settings.js';
import { readBytesIfExists, readLink, replaceSymlink } from '../../host/hostinfo/fs-links.js';
import { readOs } from '../../host/hostinfo/os-reader.js';
import { isRhelLike } from '../../core/hostinfo/os-release.js';

export type TimeDeps = Pick<ServiceDeps, 'config' | 'log' | 'clock' | 'exec' | 'fs'>;

export class HostTime {
  constructor(private readonly deps: TimeDeps) {}

  /** Our choice: UTC, the same frame set_datetime takes. */
  getDatetime(): DateTimeParts {
    return dateToParts(new Date(this.deps.clock.now()));
  }

  async setDatetime(parts: DateTimeParts): Promise<void> {
    const t = datetimePartsToDate(parts);
    if (this.deps.config.sandbox) throw fail('DISABLED', 'set_datetime is disabled in sandbox mode (the host clock is never changed)');
    await this.deps.exec.run(['date', '-u', '-s', dateToDateArg(t)], { timeoutMs: 10_000 });
    // Keep the RTC in step so the new time survives a reboot; a VM may have no RTC at all.
    const hw = await this.deps.exec.run(['hwclock', '--systohc', '--utc'], { allowFail: true, timeoutMs: 20_000 });
    if (hw.code !== 0) this.deps.log.warn({ code: hw.code, stderr: hw.stderr.slice(0, 200) }, 'hwclock --systohc failed; RTC not updated');
    this.deps.log.info({ time: t.toISOString() }, 'host clock set');
  }

  async getTimezone(): Promise<[string, boolean]> {
    const fs = this.deps.fs;
    const clock = shellVarsToRecord((await fs.readTextIfExists('/etc/sysconfig/clock')) ?? '');
    const link = await readLink(fs, '/etc/localtime');
    const tz =
      (clock.ZONE && isZoneName(clock.ZONE) ? clock.ZONE : undefined) ??
      (link ? localtimeLinkToZone(link) : undefined) ??
      ((await fs.readTextIfExists('/etc/timezone'))?.trim() || undefined) ??
      'UTC';
    let utc = true;
    if (clock.UTC !== undefined) utc = /^(true|yes|1)$/i.test(clock.UTC);
    else {
      const adj = (await fs.readTextIfExists('/etc/adjtime'))?.split('\n')[2]?.trim();
      if (adj) utc = adj !== 'LOCAL';
    }
    return [tz, utc];
  }

  async setTimezone(tz: string, utc: boolean): Promise<void> {
    const fs = this.deps.fs;
    if (!isZoneName(tz)) throw fail('INVALID_ARGUMENT', `not a time zone name: ${JSON.stringify(tz)}`);
    const zoneFile = `${ZONEINFO_DIR}/${tz}`;
    const head = (await fs.stat(zoneFile))?.isFile() ? await readBytesIfExists(fs, zoneFile) : undefined;
    if (!head || head.subarray(0, 4).toString('latin1') !== 'TZif') {
      throw fail('INVALID_ARGUMENT', `argument 1 (time zone): unknown time zone ${tz.slice(0, 64)} (no ${zoneFile.slice(0, 100)})`);
    }
    // A relative link, as systemd writes it, also resolves inside a sysroot.
    await replaceSymlink(fs, '/etc/localtime', `..${zoneFile}`);
    const os = await readOs(fs);
    if (isRhelLike(os) || (await fs.exists('/etc/sysconfig/clock'))) {
      const cur = await fs.readTextIfExists('/etc/sysconfig/clock');
      await fs.writeAtomic('/etc/sysconfig/clock', setShellVars(cur, { ZONE: tz, UTC: utc ? 'true' : 'false' }));
    }
    if ((await fs.exists('/etc/timezone')) || (await fs.exists('/etc/debian_version'))) {
      await fs.writeAtomic('/etc/timezone', `${tz}\n`);
    }
    const adj = await fs.readTextIfExists('/etc/adjtime');
    if (adj !== undefined) {
      const lines = adj.split('\n');
      while (lines.length < 3) lines.push('');
      lines[2] = utc ? 'UTC' : 'LOCAL';
      await fs.writeAtomic('/etc/adjtime', lines.join('\n').replace(/\n*$/, '\n'));
    }
    this.deps.log.info({ tz, utc }, 'time zone set');
  }
}
