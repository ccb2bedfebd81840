// Identifier rules shared by every area: manager/pool UUIDs (32 hex), file-system UUIDs
// (dashed), and the safe names used as path components (no '/', '..' or NUL).
import { z } from 'zod';

export const HEX32 = /^[0-9a-fA-F]{32}$/;
export const DASHED_UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export const managerUuid = z.string().regex(HEX32, 'expected 32 hex digits');

/**
 * A server pool id: 32 hex digits or a dashed UUID (CloudStack sends its storage pool uuid
 * dashed, and a stock agent's Pool_Unique_Id shows it as sent). Kept as sent, lowercased.
 */
export const poolUuid = z
  .string()
  .refine((s) => HEX32.test(s) || DASHED_UUID.test(s), { message: 'expected 32 hex digits or a dashed UUID' })
  .transform((s) => s.toLowerCase());

/** Two uuids name the same thing whether or not either is written with dashes. */
export function sameUuid(a: string, b: string): boolean {
  return a.replace(/-/g, '').toLowerCase() === b.replace(/-/g, '').toLowerCase();
}

/** One path component a caller may name (repository id, VM id, file name). */
export function isSafeComponent(s: string): boolean {
  return s.length > 0 && s.length <= 255 && s !== '.' && s !== '..' && !/[/\0]/.test(s);
}

export const safeComponent = z.string().refine(isSafeComponent, {
  message: "must be one path component: not empty, no '/', no NUL, not '.' or '..'",
});

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
