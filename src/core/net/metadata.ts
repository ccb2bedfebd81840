// The interface metadata of Oracle VM (`meta-<if>`, METADATA=...):
// `<type>:<network-id>{<name>}:<ROLE,ROLE,...>:` e.g. `ethernet:c0a80100{192.168.1.0}:MANAGEMENT,STORAGE:`.
import { fail } from '../errors.js';
import { ROLES, type Role } from './model.js';

export interface InterfaceMeta {
  type: string;
  networkId: string;
  name: string;
  roles: Role[];
}

const META_RE = /^([A-Za-z][A-Za-z0-9_-]*):([^:{}\s]+)\{([^{}]*)\}:([A-Za-z_,;]*):?$/;

export function parseMeta(data: string): InterfaceMeta {
  if (data !== data.trimStart()) throw fail('NET_BAD_METADATA', 'metadata may not start with spaces');
  const m = META_RE.exec(data.trim());
  if (!m) {
    throw fail('NET_BAD_METADATA', `metadata "${data.slice(0, 80)}" is not <type>:<network-id>{<name>}:<ROLES>`);
  }
  const roles = m[4]
    .split(/[,;]/)
    .map((r) => r.trim().toUpperCase())
    .filter(Boolean);
  for (const r of roles) {
    if (!(ROLES as readonly string[]).includes(r)) {
      throw fail('NET_BAD_METADATA', `unknown role ${r} in metadata (known: ${ROLES.join(', ')})`);
    }
  }
  return { type: m[1], networkId: m[2], name: m[3], roles: roles as Role[] };
}

export function formatMeta(meta: InterfaceMeta): string {
  return `${meta.type}:${meta.networkId}{${meta.name}}:${meta.roles.join(',')}:`;
}

export function metaFileText(data: string): string {
  return `METADATA=${data}\n`;
}

/** Reads the METADATA value of a meta-<if> file (undefined when absent). */
export function metaFileToData(text: string): string | undefined {
  for (const line of text.split('\n')) {
    const m = /^\s*METADATA=(.*)$/.exec(line);
    if (m) return m[1].replace(/^"(.*)"$/, '$1').replace(/^'(.*)'$/, '$1');
  }
  return undefined;
}
