// The two Storage Connect plugin kinds (file system `ifs`, storage array `isa`): the parsed
// arguments of every wire-api 3.7 operation (after impl_name), what each returns, the plugin
// info discover_storage_plugins shows, and the context the framework hands a plugin call.
import { z } from 'zod';
import {
  accessGroupSchema,
  fileRecordSchema,
  fsRecordSchema,
  seRecordSchema,
  ssRecordSchema,
  wireCount,
  wireSize,
  type AccessGroupInfo,
  type FileInfo,
  type FsInfo,
  type SeInfo,
  type SsInfo,
} from './records.js';

/** Every `storage_plugin_<op>` the agent dispatches (wire-api 3.7). */
export const STORAGE_OPS = [
  'validate', 'getCapabilities', 'getInfo', 'getStorageNames', 'list', 'discover', 'refresh',
  'create', 'remove', 'destroy', 'resize', 'clone', 'createSnap', 'snapRemove',
  'getAccessGroups', 'createAccessGroups', 'removeAccessGroups', 'addToAccessGroup', 'removeFromAccessGroup',
  'startPresent', 'stopPresent', 'createFileSystem', 'destroyFileSystem', 'listFileSystems',
  'listMountPoints', 'getFileSystemInfo', 'getFileInfo', 'mount', 'unmount',
] as const;
export type StorageOp = (typeof STORAGE_OPS)[number];

/** Booleans as managers send them: bool, 0/1, 'True'/'False'/'yes'/'no'; absent = undefined. */
export const wireBool = z
  .union([z.boolean(), z.number(), z.string().max(8), z.null()])
  .optional()
  .transform((v, ctx) => {
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v === 'boolean') return v;
    if (v === 1 || v === 0) return v === 1;
    const s = String(v).toLowerCase();
    if (['true', 'yes', '1', 'on'].includes(s)) return true;
    if (['false', 'no', '0', 'off'].includes(s)) return false;
    ctx.addIssue({ code: 'custom', message: 'must be a boolean' });
    return z.NEVER;
  });

const path = z.string().min(1, 'must not be empty').max(4096);
const optPath = z.union([z.string().max(4096), z.null()]).optional().transform((v) => v || undefined);
const names = z.union([z.array(z.string().min(1).max(1024)).max(4096), z.string().max(1024)]).transform((v) => (typeof v === 'string' ? [v] : v));
const groups = z.union([z.array(accessGroupSchema).max(1024), accessGroupSchema]).transform((v) => (Array.isArray(v) ? v : [v]));

/** Mount options as a list, a comma string or a struct of key: value (value '' = a flag). */
export const mountOptionsSchema = z
  .union([z.array(z.string().max(256)).max(64), z.string().max(4096), z.record(z.string().max(64), z.union([z.string().max(256), z.number(), z.boolean()])), z.null()])
  .optional()
  .transform((v): string[] => {
    if (v == null) return [];
    if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
    if (Array.isArray(v)) return v.flatMap((s) => s.split(',')).map((s) => s.trim()).filter(Boolean);
    return Object.entries(v).map(([k, x]) => (x === '' || x === true ? k : `${k}=${x}`));
  });

/** createFileSystem options (OCFS2): what mkfs.ocfs2 is asked for. Every key optional. */
export const fsCreateOptionsSchema = z
  .object({
    cluster_stack: z.string().max(16).optional(),
    cluster_name: z.string().max(64).optional(),
    label: z.string().max(64).optional(),
    block_size: wireCount,
    cluster_size: wireCount,
    node_slots: wireCount,
    journal_size: wireCount,
    global_heartbeat: wireBool,
    fs_uuid: z.string().max(64).optional(),
    /** Re-format a device that already holds a file system (the stock 'force'). */
    force: wireBool,
  })
  .strict();
export type FsCreateOptions = z.output<typeof fsCreateOptionsSchema>;

const ss = ssRecordSchema;
const fs = fsRecordSchema;
const file = fileRecordSchema;
const se = seRecordSchema;
const optFs = fs.optional();
const optSe = se.optional();
/** fr_type of create: 'File' or 'Directory' (case-insensitive). */
const frType = z
  .string()
  .transform((v) => v.toLowerCase())
  .refine((v) => v === 'file' || v === 'directory', { message: "must be 'File' or 'Directory'" })
  .transform((v) => (v === 'file' ? ('File' as const) : ('Directory' as const)));

/** Arguments after impl_name of each file-system plugin operation. */
export const IFS_OP_ARGS = {
  validate: z.tuple([ss]),
  getCapabilities: z.tuple([ss]),
  getInfo: z.tuple([ss, optFs]),
  getStorageNames: z.tuple([ss]),
  list: z.tuple([ss, fs, optPath]),
  discover: z.tuple([ss]),
  refresh: z.tuple([ss, optFs]),
  create: z.tuple([ss, fs, path, frType, wireCount]),
  destroy: z.tuple([ss, fs, file]),
  resize: z.tuple([ss, fs, file, wireSize]),
  clone: z.tuple([ss, fs, file, z.union([path, file])]),
  createSnap: z.tuple([ss, fs, file, optPath]),
  snapRemove: z.tuple([ss, fs, file]),
  getAccessGroups: z.tuple([ss, optFs]),
  createAccessGroups: z.tuple([ss, groups]),
  removeAccessGroups: z.tuple([ss, groups]),
  addToAccessGroup: z.tuple([ss, accessGroupSchema, names]),
  removeFromAccessGroup: z.tuple([ss, accessGroupSchema, names]),
  createFileSystem: z.tuple([ss, fs, optPath, fsCreateOptionsSchema.optional()]),
  destroyFileSystem: z.tuple([ss, fs]),
  listFileSystems: z.tuple([ss, wireBool]),
  listMountPoints: z.tuple([ss, optFs]),
  getFileSystemInfo: z.tuple([ss, fs]),
  getFileInfo: z.tuple([ss, fs, file]),
  mount: z.tuple([ss, fs, path, optPath, wireBool, mountOptionsSchema]),
  unmount: z.tuple([ss, fs, optPath, wireBool]),
} as const;

/** Arguments after impl_name of each storage-array plugin operation. */
export const ISA_OP_ARGS = {
  validate: z.tuple([ss]),
  getCapabilities: z.tuple([ss]),
  getInfo: z.tuple([ss, optSe]),
  getStorageNames: z.tuple([ss]),
  list: z.tuple([ss, optSe]),
  discover: z.tuple([ss]),
  refresh: z.tuple([ss, optSe]),
  create: z.tuple([ss, se, wireCount]),
  remove: z.tuple([ss, se]),
  resize: z.tuple([ss, se, wireSize]),
  clone: z.tuple([ss, se, optPath]),
  createSnap: z.tuple([ss, se, optPath]),
  snapRemove: z.tuple([ss, se]),
  getAccessGroups: z.tuple([ss, optSe]),
  createAccessGroups: z.tuple([ss, groups]),
  removeAccessGroups: z.tuple([ss, groups]),
  addToAccessGroup: z.tuple([ss, accessGroupSchema, names]),
  removeFromAccessGroup: z.tuple([ss, accessGroupSchema, names]),
  startPresent: z.tuple([ss, se, names.optional()]),
  stopPresent: z.tuple([ss, se, names.optional()]),
} as const;

export type IfsOp = keyof typeof IFS_OP_ARGS;
export type IsaOp = keyof typeof ISA_OP_ARGS;

/** What each operation answers (the framework renders numbers as strings, null as nil). */
export interface IfsResults {
  validate: SsInfo | null;
  getCapabilities: Record<string, string>;
  getInfo: SsInfo;
  getStorageNames: string[];
  list: FileInfo[];
  discover: FsInfo[];
  refresh: FsInfo | null;
  create: FileInfo;
  destroy: null;
  resize: FileInfo;
  clone: FileInfo;
  createSnap: FileInfo;
  snapRemove: null;
  getAccessGroups: AccessGroupInfo[];
  createAccessGroups: null;
  removeAccessGroups: null;
  addToAccessGroup: null;
  removeFromAccessGroup: null;
  createFileSystem: FsInfo;
  destroyFileSystem: null;
  listFileSystems: FsInfo[];
  listMountPoints: string[];
  getFileSystemInfo: FsInfo;
  getFileInfo: FileInfo;
  mount: FsInfo;
  unmount: null;
}

export interface IsaResults {
  validate: SsInfo | null;
  getCapabilities: Record<string, string>;
  getInfo: SsInfo | SeInfo;
  getStorageNames: string[];
  list: SeInfo[];
  discover: SeInfo[];
  refresh: SeInfo[] | null;
  create: SeInfo;
  remove: null;
  resize: SeInfo;
  clone: SeInfo;
  createSnap: SeInfo;
  snapRemove: null;
  getAccessGroups: AccessGroupInfo[];
  createAccessGroups: null;
  removeAccessGroups: null;
  addToAccessGroup: null;
  removeFromAccessGroup: null;
  startPresent: null;
  stopPresent: null;
}

/** The small logger a plugin gets (pino-compatible; src/core cannot name pino). */
export interface PluginLog {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** What the framework hands every plugin call. */
export interface PluginContext {
  impl: string;
  op: string;
  callId: string;
  log: PluginLog;
  /** Aborted on agent shutdown or abort_job; plugins pass it to every external command. */
  signal: AbortSignal;
  /** Job progress in 0..1 (a no-op for calls that do not run as jobs). */
  progress(fraction: number, message?: string): void;
  /** Upper bound for any one external command of this call, in ms. */
  commandTimeoutMs: number;
}

/** discover_storage_plugins: one storage_plugin_info element. */
export interface PluginInfo {
  impl_name: string;
  plugin_name: string;
  plugin_desc: string;
  plugin_version: string;
  vendor_name: string;
  plugin_type: 'ifs' | 'isa';
  generic_plugin: boolean;
  /** ifs: 'NetworkFS' or 'LocalFS'. */
  filesys_type?: string;
  /** ifs: 'NFS', 'ocfs2'. */
  filesys_name?: string;
  /** isa: e.g. ['SAN', 'iSCSI']. */
  storage_types?: string[];
  cluster_required?: boolean;
  /** fs_api_version / sa_api_version, e.g. '1,2,7'. */
  api_version: string;
  required_api_vers?: string;
  extended_api_version?: string;
  /** clone, snapshot, resize, access_control, ...: 'YES'/'NO'/'ONLINE'/'OFFLINE'/'UNSUPPORTED'/... */
  abilities: Record<string, string>;
}

interface PluginBase {
  info: PluginInfo;
  /** Operations long enough to run as jobs with progress (create/clone/resize/createFileSystem). */
  longOps?: readonly string[];
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

type IfsMethods = { [K in IfsOp]?: (ctx: PluginContext, ...args: z.output<(typeof IFS_OP_ARGS)[K]>) => Promise<IfsResults[K]> };
type IsaMethods = { [K in IsaOp]?: (ctx: PluginContext, ...args: z.output<(typeof ISA_OP_ARGS)[K]>) => Promise<IsaResults[K]> };

export type IfsPlugin = PluginBase & { kind: 'ifs' } & IfsMethods;

export type IsaPlugin = PluginBase & {
  kind: 'isa';
  /** storage_iSCSI_logoutTarget(target, portal): only the SCSI plugin has it. */
  iscsiLogoutTarget?(ctx: PluginContext, target: string, portal: string): Promise<null>;
  /** storage_iSCSI_deletePortal(portal). */
  iscsiDeletePortal?(ctx: PluginContext, portal: string): Promise<null>;
} & IsaMethods;

export type StoragePlugin = IfsPlugin | IsaPlugin;

/** The argument schema of `op` for a plugin of `kind`, or undefined when that kind has no such op. */
export function opArgsSchema(kind: 'ifs' | 'isa', op: string): z.ZodType<unknown[]> | undefined {
  const table: Record<string, z.ZodType<unknown[]>> = kind === 'ifs' ? IFS_OP_ARGS : ISA_OP_ARGS;
  return Object.prototype.hasOwnProperty.call(table, op) ? table[op] : undefined;
}

/**
 * A vendor plugin file in `storage.pluginDir` is an ES module exporting
 * `createPlugin(env)` that returns an IfsPlugin or IsaPlugin.
 */
export interface VendorPluginEnv {
  log: PluginLog;
}
export interface VendorPluginModule {
  createPlugin(env: VendorPluginEnv): StoragePlugin | Promise<StoragePlugin>;
}
