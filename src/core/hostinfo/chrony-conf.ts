// chrony.conf read and rewritten for get_ntp/set_ntp: the time sources are its `server` and
// `pool` lines; every other line and comment is kept as it was.

export interface ChronyNtp {
  /** Hosts of `server` and `pool` lines, in file order. */
  servers: string[];
  /** A `local` directive: the host serves its own clock when no source is reachable. */
  localTimeSource: boolean;
}

const SOURCE = /^\s*(server|pool|peer)\s+(\S+)/;

export function chronyConfToNtp(text: string): ChronyNtp {
  const servers: string[] = [];
  let localTimeSource = false;
  for (const line of text.split('\n')) {
    const m = SOURCE.exec(line);
    if (m && m[1] !== 'peer') servers.push(m[2]);
    if (/^\s*local(\s|$)/.test(line)) localTimeSource = true;
  }
  return { servers, localTimeSource };
}

/** A minimal config for hosts that have none yet. */
export const DEFAULT_CHRONY_CONF = [
  '# Written by hvagent (set_ntp): time sources below are managed by the agent.',
  'driftfile /var/lib/chrony/drift',
  'makestep 1.0 3',
  'rtcsync',
  '',
].join('\n');

/**
 * Replace the `server`/`pool` lines by `server <host> iburst`, one per host, where the first
 * old source line stood (or at the end when there was none).
 */
export function ntpServersToChronyConf(current: string | undefined, servers: readonly string[]): string {
  const lines = (current ?? DEFAULT_CHRONY_CONF).split('\n');
  const trailingNewline = lines.length > 0 && lines[lines.length - 1] === '';
  if (trailingNewline) lines.pop();
  const fresh = servers.map((s) => `server ${s} iburst`);
  const out: string[] = [];
  let placed = false;
  for (const line of lines) {
    const m = SOURCE.exec(line);
    if (m && m[1] !== 'peer') {
      if (!placed) out.push(...fresh);
      placed = true;
      continue;
    }
    out.push(line);
  }
  if (!placed) out.push(...fresh);
  return out.join('\n') + '\n';
}

/** Host names and addresses a chrony `server` line may carry. */
export const NTP_SERVER_RE = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?|[0-9A-Fa-f:.]+)$/;
