// Identifier rules shared by every area: the uuid shapes (32 hex, dashed), the safe names used
// as path components (no '/', '..' or NUL) and the repository paths. The wire types that
// check arguments with them are in wire-types.ts.

export const HEX32 = /^[0-9a-fA-F]{32}$/;
export const DASHED_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

/** Two uuids name the same thing whether or not either is written with dashes. */
export function sameUuid(a: string, b: string): boolean {
  return a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();
}

/** One path component a caller may name (repository id, VM id, file name). */
export function isSafeComponent(s: string): boolean {
  return s.length > 0 && s.length <= 255 && s !== '.' && s !== '..' && !/[/\0]/.test(s);
}

export const REPOSITORIES_ROOT = '/OVS/Repositories';
export const REPO_SUBDIRS = ['Templates', 'Assemblies', 'ISOs', 'VirtualDisks', 'VirtualMachines'] as const;

export function repoPath(repoId: string): string {
  return `${REPOSITORIES_ROOT}/${repoId}`;
}

export function vmDir(repoId: string, vmId: string): string {
  return `${repoPath(repoId)}/VirtualMachines/${vmId}`;
}

export function vmCfgPath(repoId: string, vmId: string): string {
  return `${vmDir(repoId, vmId)}/vm.cfg`;
}
