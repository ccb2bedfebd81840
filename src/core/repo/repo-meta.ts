// The repository metadata file at a repository's root (`.ovsrepo`, as the stock agent named
// it): `KEY=value` lines naming the repository's uuid, alias, owning manager and version.
import { fail } from '../errors.js';
import { isSafeComponent } from '../ids.js';

export const REPO_META_FILE = '.ovsrepo';
export const REPO_VERSION = '3.0';

export interface RepoMeta {
  uuid: string;
  alias: string;
  /** Empty when no manager owned the host when the repository was created. */
  managerUuid: string;
  version: string;
  /** Keys we do not know, kept so a rewrite does not lose them. */
  extra?: Record<string, string>;
}

const KEYS = {
  uuid: 'OVS_REPO_UUID',
  alias: 'OVS_REPO_ALIAS',
  managerUuid: 'OVS_REPO_MGR_UUID',
  version: 'OVS_REPO_VERSION',
} as const;

const KNOWN = new Set<string>(Object.values(KEYS));

/** A value is one line: no newline, carriage return or NUL. */
export function isMetaValue(s: string): boolean {
  return !/[\r\n\0]/.test(s);
}

export function repoMetaToText(m: RepoMeta): string {
  const pairs: Array<[string, string]> = [
    [KEYS.uuid, m.uuid],
    [KEYS.alias, m.alias],
    [KEYS.managerUuid, m.managerUuid],
    [KEYS.version, m.version],
    ...Object.entries(m.extra ?? {}).filter(([k]) => !KNOWN.has(k)),
  ];
  for (const [k, v] of pairs) {
    if (!isMetaValue(v)) throw fail('REPO_INVALID', `repository metadata ${k} must be one line`);
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k)) throw fail('REPO_INVALID', `bad repository metadata key ${JSON.stringify(k)}`);
  }
  return pairs.map(([k, v]) => `${k}=${v}\n`).join('');
}

/** Parse `.ovsrepo`; `where` names the file in fault messages. */
export function textToRepoMeta(text: string, where = REPO_META_FILE): RepoMeta {
  const values = new Map<string, string>();
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const eq = line.indexOf('=');
    if (eq <= 0) throw fail('REPO_INVALID', `${where}: not a KEY=value line: ${JSON.stringify(line.slice(0, 80))}`);
    values.set(line.slice(0, eq).trim(), line.slice(eq + 1));
  }
  const uuid = values.get(KEYS.uuid)?.trim() ?? '';
  if (!isSafeComponent(uuid)) throw fail('REPO_INVALID', `${where}: missing or bad ${KEYS.uuid}`);
  const extra: Record<string, string> = {};
  for (const [k, v] of values) if (!KNOWN.has(k)) extra[k] = v;
  const meta: RepoMeta = {
    uuid,
    alias: values.get(KEYS.alias) ?? '',
    managerUuid: values.get(KEYS.managerUuid)?.trim() ?? '',
    version: values.get(KEYS.version)?.trim() || REPO_VERSION,
  };
  if (Object.keys(extra).length > 0) meta.extra = extra;
  return meta;
}
