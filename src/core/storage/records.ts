// The Storage Connect records every plugin shares (wire-api 3.7): ss_record, fs_record,
// file_record, the storage-element (LUN) record and access groups, as lenient zod inputs
// (managers send sizes as strings or ints, '' for unset) and typed outputs rendered for the wire.
import { z } from 'zod';
import { recordUuid, wireBoolean, wireCount, wireText } from '../wire-types.js';

/** Sizes and counts of records: the one wire integer of record fields. */
export { wireCount, wireSize } from '../wire-types.js';

const text = z.string().max(4096);
const optText = z.union([text, z.null()]).optional().transform((v) => v ?? '');
const nameList = z
  .union([z.array(z.string().max(1024)).max(4096), z.string().max(65536), z.null()])
  .optional()
  .transform((v) => (v == null ? [] : typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v));

/** Storage-server uuids are 32 hex digits; dashed ones are accepted and undashed; '' means "not yet known". */
export const ssUuid = recordUuid('hex');

/** File-system / storage-element uuids are dashed; '' means "not yet known". */
export const fsUuid = recordUuid('dashed');

/** CHAP credentials of an iSCSI storage server (mutual when the target pair is given). */
export const chapSchema = z.object({
  username: z.string().min(1).max(255),
  password: z.string().min(1).max(255),
  mutual_username: z.string().max(255).optional(),
  mutual_password: z.string().max(255).optional(),
});
export type Chap = z.output<typeof chapSchema>;

/** ss_record: the storage server (file server or array). Secrets stay in the parsed value only. */
export const ssRecordSchema = z
  .object({
    uuid: ssUuid,
    name: optText,
    storage_desc: optText,
    access_host: optText,
    /** iSCSI arrays: extra portals `host[:port]`, all reached for discovery. */
    access_port: wireCount,
    admin_host: optText,
    admin_user: optText,
    admin_passwd: optText,
    /** CloudStack spells it admin_password; accepted as the same field. */
    admin_password: optText,
    storage_type: optText,
    status: optText,
    total_sz: wireCount,
    free_sz: wireCount,
    used_sz: wireCount,
    alloc_sz: wireCount,
    access_grps: nameList,
    /** true/false as the stock record has it, or the credentials themselves. */
    chap: z.union([wireBoolean('chap'), chapSchema, z.null()]).optional(),
    chap_username: z.string().max(255).optional(),
    chap_password: z.string().max(255).optional(),
    mutual_chap_username: z.string().max(255).optional(),
    mutual_chap_password: z.string().max(255).optional(),
    extra_info: z.unknown().optional(),
  })
  .passthrough()
  .transform((r) => {
    const { admin_password, chap, chap_username, chap_password, mutual_chap_username, mutual_chap_password, ...rest } = r;
    let creds: Chap | undefined;
    if (chap && typeof chap === 'object') creds = chap;
    else if (chap_username || chap_password) {
      creds = { username: chap_username ?? '', password: chap_password ?? '' };
      if (mutual_chap_username || mutual_chap_password) {
        creds.mutual_username = mutual_chap_username ?? '';
        creds.mutual_password = mutual_chap_password ?? '';
      }
    }
    const wantsChap = chap === true || creds !== undefined;
    return { ...rest, admin_passwd: rest.admin_passwd || admin_password, chapRequired: wantsChap, chapCredentials: creds };
  });
export type SsRecord = z.output<typeof ssRecordSchema>;

/** fs_record: one file system (an NFS export, an OCFS2 volume). */
export const fsRecordSchema = z
  .object({
    uuid: fsUuid,
    ss_uuid: ssUuid,
    name: optText,
    access_path: optText,
    /** OCFS2: the device or image the file system lives on. */
    backing_device: optText,
    size: wireCount,
    free_sz: wireCount,
    state: wireCount,
    status: optText,
    mount_options: nameList,
    access_grp_names: nameList,
    extra_info: z.unknown().optional(),
  })
  .passthrough();
export type FsRecord = z.output<typeof fsRecordSchema>;

/** file_record: a file or directory inside a mounted file system. */
export const fileRecordSchema = z
  .object({
    fr_type: z
      .union([z.string(), z.null()])
      .optional()
      .transform((v) => (v ?? '').toLowerCase())
      .refine((v) => v === '' || v === 'file' || v === 'directory', { message: "must be 'File' or 'Directory'" })
      .transform((v) => (v === '' ? undefined : v === 'file' ? ('File' as const) : ('Directory' as const))),
    file_path: wireText('file_path', { min: 1, max: 4096 }),
    file_sz: wireCount,
    ondisk_sz: wireCount,
    fs_uuid: fsUuid,
    extra_info: z.unknown().optional(),
  })
  .passthrough();
export type FileRecordIn = z.output<typeof fileRecordSchema>;

/** se_record: one storage element (a LUN) of an array. */
export const seRecordSchema = z
  .object({
    uuid: optText,
    ss_uuid: ssUuid,
    name: optText,
    page83_id: optText,
    size: wireCount,
    state: wireCount,
    status: optText,
    access_path: optText,
    access_grp_names: nameList,
    extra_info: z.unknown().optional(),
  })
  .passthrough();
export type SeRecordIn = z.output<typeof seRecordSchema>;

/** An access group: a named list of initiators (iSCSI IQNs, FC WWPNs). */
export const accessGroupSchema = z.union([
  z.string().min(1).max(255).transform((name) => ({ name, grp_entries: [] as string[] })),
  z.object({ name: z.string().min(1).max(255), grp_entries: nameList }).passthrough(),
]);
export type AccessGroup = z.output<typeof accessGroupSchema>;

// ---- what plugins return (typed, numbers as numbers); *ToWire renders the stock shapes ----

export interface SsInfo {
  uuid: string;
  name: string;
  access_host: string;
  storage_type: string;
  status: string;
  total_sz: number;
  free_sz: number;
  used_sz: number;
  alloc_sz: number;
  access_grps: string[];
  storage_desc?: string;
}

export interface FsInfo {
  uuid: string;
  ss_uuid: string;
  name: string;
  access_path: string;
  size: number;
  free_sz: number;
  /** 1 = mounted/online, 2 = present but not mounted (our reading of the stock values). */
  state: number;
  status: string;
  mount_options: string[];
  access_grp_names: string[];
  /** Extra per-plugin facts (OCFS2 label, cluster, device; NFS version) for the extension fields. */
  extra_info?: Record<string, string | number | boolean>;
}

export interface FileInfo {
  fr_type: 'File' | 'Directory';
  file_path: string;
  file_sz: number;
  ondisk_sz: number;
  fs_uuid: string;
}

export interface LunPath {
  /** Kernel name, e.g. sdb. */
  device: string;
  /** /dev/disk/by-path/... link when known. */
  by_path?: string;
  /** e.g. 'active ready running', 'failed faulty offline'. */
  state: string;
  /** H:C:T:L of the path. */
  hctl?: string;
}

export interface SeInfo {
  uuid: string;
  ss_uuid: string;
  name: string;
  page83_id: string;
  size: number;
  state: number;
  status: string;
  vendor: string;
  product: string;
  serial: string;
  lun: number;
  access_path: string;
  access_grp_names: string[];
  /** The device to use: /dev/mapper/<wwid> when multipathed, else the single path's /dev node. */
  device_path: string;
  paths: LunPath[];
  extra_info?: Record<string, string | number | boolean>;
}

export interface AccessGroupInfo {
  name: string;
  grp_entries: string[];
}

/** A value as the storage methods put it on the wire. */
export type StorageWire = string | boolean | null | StorageWire[] | { [k: string]: StorageWire };

/**
 * Render a plugin result the stock way: the stock agent sent sizes, states and counts as
 * strings (CloudStack casts them to String), so every number becomes its decimal string;
 * undefined members are dropped.
 */
export function storageResultToWire(v: unknown): StorageWire {
  if (v === undefined || v === null) return null;
  if (typeof v === 'number' || typeof v === 'bigint') return String(v);
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(storageResultToWire);
  if (typeof v === 'object') {
    const out: { [k: string]: StorageWire } = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (x !== undefined) out[k] = storageResultToWire(x);
    return out;
  }
  return String(v);
}
