// Storage Connect methods (wire-api 3.7): discover_storage_plugins and one
// storage_plugin_<op>(impl_name, ...) per operation, thin over StorageService.
import { z } from 'zod';
import * as R from '../results.js';
import { defineMethod, type MethodDef } from '../method.js';
import { STORAGE_OPS, type StorageOp } from '../../core/storage/plugin.js';
import type { StorageService } from '../../services/storage/storage-service.js';

const LOCK = 'storage';

/** Operations that only read: no lock, so status calls never wait behind a long create. */
const READ_OPS: ReadonlySet<StorageOp> = new Set<StorageOp>([
  'validate', 'getCapabilities', 'getInfo', 'getStorageNames', 'list', 'discover', 'refresh',
  'getAccessGroups', 'listFileSystems', 'listMountPoints', 'getFileSystemInfo', 'getFileInfo',
]);

const implName = z.string().min(1, 'impl_name is required').max(200);
const str = z.string().max(1024);

export function storageMethods(storage: StorageService): MethodDef[] {
  const ops = STORAGE_OPS.map((op) =>
    defineMethod({
      name: `storage_plugin_${op}`,
      result: R.pluginAnswer,
      // The op's own schema (per plugin kind) validates the rest once the plugin is known.
      params: z.tuple([implName]).rest(z.unknown()),
      access: READ_OPS.has(op) ? 'public' : 'owned',
      lock: READ_OPS.has(op) ? undefined : LOCK,
      summary: `Storage Connect ${op} of the plugin named by impl_name (wire-api 3.7)`,
      handler: ([impl, ...rest], ctx) => storage.call(impl, op, rest, { callId: ctx.callId, signal: ctx.signal, log: ctx.log }),
    }),
  );
  return [
    defineMethod({
      name: 'discover_storage_plugins',
      result: R.xmlDoc,
      params: z.tuple([]),
      access: 'public',
      summary: 'XML Discover_Storage_Plugins_Result: every plugin with its abilities',
      handler: () => storage.discoverStoragePlugins(),
    }),
    ...ops,
    defineMethod({
      name: 'storage_iSCSI_logoutTarget',
      result: R.nil,
      params: z.tuple([str, str]),
      access: 'owned',
      lock: LOCK,
      summary: 'log out of an iSCSI target (target, portal); idempotent',
      handler: ([target, portal], ctx) => storage.iscsi('iscsiLogoutTarget', [target, portal], { callId: ctx.callId, signal: ctx.signal, log: ctx.log }),
    }),
    defineMethod({
      name: 'storage_iSCSI_deletePortal',
      result: R.nil,
      params: z.tuple([str]),
      access: 'owned',
      lock: LOCK,
      summary: 'forget an iSCSI portal and its node records (portal); idempotent',
      handler: ([portal], ctx) => storage.iscsi('iscsiDeletePortal', [portal], { callId: ctx.callId, signal: ctx.signal, log: ctx.log }),
    }),
  ];
}
