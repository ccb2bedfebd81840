// The names of each storage operation's positional arguments (after impl_name), so a refused
// argument is named in the fault the way the Storage Connect API names it.
const SS = 'ss_record';

const IFS: Record<string, readonly string[]> = {
  getInfo: [SS, 'fs_record'],
  list: [SS, 'fs_record', 'path'],
  refresh: [SS, 'fs_record'],
  create: [SS, 'fs_record', 'file_path', 'fr_type', 'size'],
  destroy: [SS, 'fs_record', 'file_record'],
  resize: [SS, 'fs_record', 'file_record', 'new_size'],
  clone: [SS, 'fs_record', 'file_record', 'dest_path'],
  createSnap: [SS, 'fs_record', 'file_record', 'snap_name'],
  snapRemove: [SS, 'fs_record', 'file_record'],
  getAccessGroups: [SS, 'fs_record'],
  createFileSystem: [SS, 'fs_record', 'backing_device', 'options'],
  destroyFileSystem: [SS, 'fs_record'],
  listFileSystems: [SS, 'include_unmounted'],
  listMountPoints: [SS, 'fs_record'],
  getFileSystemInfo: [SS, 'fs_record'],
  getFileInfo: [SS, 'fs_record', 'file_record'],
  mount: [SS, 'fs_record', 'mount_point', 'share_path', 'active', 'options'],
  unmount: [SS, 'fs_record', 'mount_point', 'force'],
};

const ISA: Record<string, readonly string[]> = {
  getInfo: [SS, 'se_record'],
  list: [SS, 'se_record'],
  refresh: [SS, 'se_record'],
  create: [SS, 'se_record', 'size'],
  remove: [SS, 'se_record'],
  resize: [SS, 'se_record', 'new_size'],
  clone: [SS, 'se_record', 'clone_name'],
  createSnap: [SS, 'se_record', 'snap_name'],
  snapRemove: [SS, 'se_record'],
  getAccessGroups: [SS, 'se_record'],
  startPresent: [SS, 'se_record', 'access_grp_names'],
  stopPresent: [SS, 'se_record', 'access_grp_names'],
};

const COMMON: Record<string, readonly string[]> = {
  createAccessGroups: [SS, 'access_grps'],
  removeAccessGroups: [SS, 'access_grps'],
  addToAccessGroup: [SS, 'access_grp', 'grp_entries'],
  removeFromAccessGroup: [SS, 'access_grp', 'grp_entries'],
};

export function argName(kind: 'ifs' | 'isa', op: string, pos: number): string {
  const names = (kind === 'ifs' ? IFS[op] : ISA[op]) ?? COMMON[op] ?? [SS];
  return names[pos] ?? `argument ${pos + 2}`;
}

/** All argument names of an op, for "wrong number of arguments" faults. */
export function argNames(kind: 'ifs' | 'isa', op: string): readonly string[] {
  return (kind === 'ifs' ? IFS[op] : ISA[op]) ?? COMMON[op] ?? [SS];
}
