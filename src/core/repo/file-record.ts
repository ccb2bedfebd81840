// The storage_plugin_create-style file_record (wire-api 3.7) the repository file methods return.
export interface FileRecord {
  fr_type: 'File' | 'Directory';
  file_path: string;
  /** Apparent size in bytes. */
  file_sz: number;
  /** Bytes allocated on disk (holes not counted). */
  ondisk_sz: number;
  /** The repository uuid (our choice: repositories have no dashed file-system uuid of their own). */
  fs_uuid: string;
}

export interface FileFacts {
  isDirectory: boolean;
  size: number;
  /** 512-byte blocks allocated, as stat(2) reports. */
  blocks: number;
}

export function fileFactsToRecord(f: FileFacts, filePath: string, fsUuid: string): FileRecord {
  return {
    fr_type: f.isDirectory ? 'Directory' : 'File',
    file_path: filePath,
    file_sz: f.size,
    ondisk_sz: f.blocks * 512,
    fs_uuid: fsUuid,
  };
}
