// /etc/os-release (and the older /etc/redhat-release, /etc/oracle-release one-liners) parsed
// into the OS name and version discover_server reports.

export interface OsRelease {
  /** e.g. `Oracle Linux Server`, `Debian GNU/Linux`. */
  name: string;
  id: string;
  idLike: string[];
  major: string;
  minor: string;
  prettyName: string;
}

/** KEY=value lines with optional shell quoting, as os-release(5) defines them. */
export function shellVarsToRecord(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const m = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(line);
    if (!m) continue;
    let v = m[2].trim();
    if ((v.startsWith('"') && v.endsWith('"') && v.length >= 2) || (v.startsWith("'") && v.endsWith("'") && v.length >= 2)) {
      const q = v[0];
      v = v.slice(1, -1);
      if (q === '"') v = v.replace(/\\(["\\$`])/g, '$1');
    }
    out[m[1]] = v;
  }
  return out;
}

function splitVersion(v: string): [string, string] {
  const m = /(\d+)(?:\.(\d+))?/.exec(v);
  return m ? [m[1], m[2] ?? '0'] : ['', ''];
}

/**
 * The release file (`Oracle Linux Server release 7.9`) wins for the version on RHEL-like
 * hosts because os-release's VERSION_ID there often lacks the minor number.
 */
export function osReleaseToOs(osRelease: string | undefined, releaseFile?: string): OsRelease {
  const r = shellVarsToRecord(osRelease ?? '');
  const rel = releaseFile?.trim().split('\n')[0] ?? '';
  const relMatch = /^(.*?)\s+release\s+(\d+(?:\.\d+)?)/i.exec(rel);
  const [major, minor] = relMatch ? splitVersion(relMatch[2]) : splitVersion(r.VERSION_ID ?? '');
  return {
    name: r.NAME ?? (relMatch ? relMatch[1] : 'Linux'),
    id: r.ID ?? '',
    idLike: (r.ID_LIKE ?? '').split(/\s+/).filter(Boolean),
    major,
    minor,
    prettyName: r.PRETTY_NAME ?? rel,
  };
}

export function isRhelLike(os: OsRelease): boolean {
  return ['rhel', 'fedora', 'centos', 'ol'].some((k) => os.id === k || os.idLike.includes(k));
}
