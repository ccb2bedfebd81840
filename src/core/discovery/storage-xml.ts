// discover_physical_luns and discover_mounted_file_systems documents.
//
// LUN document (our choice; the record is silent):
//   Discover_Physical_Luns_Result/LUN[@Name]/{Device, Size (bytes), Vendor, Model, Serial,
//   WWID, Removable, Read_Only, Rotational}   (booleans True/False)
import type { Lun, MountEntry } from './host-info.js';
import { el, elAttrs, renderXmlDocument } from './xml-doc.js';

export function lunsToXml(luns: readonly Lun[]): string {
  return renderXmlDocument(
    el(
      'Discover_Physical_Luns_Result',
      ...luns.map((l) =>
        elAttrs(
          'LUN',
          { Name: l.name },
          el('Device', l.device),
          el('Size', l.sizeBytes),
          el('Vendor', l.vendor),
          el('Model', l.model),
          el('Serial', l.serial),
          el('WWID', l.wwid),
          el('Removable', l.removable),
          el('Read_Only', l.readOnly),
          el('Rotational', l.rotational),
        ),
      ),
    ),
  );
}

/** Mounts grouped by file-system type (types in first-seen order). */
export function mountedFsToXml(mounts: readonly MountEntry[]): string {
  const byType = new Map<string, MountEntry[]>();
  for (const m of mounts) {
    const list = byType.get(m.type) ?? [];
    list.push(m);
    byType.set(m.type, list);
  }
  return renderXmlDocument(
    el(
      'Discover_Mounted_File_Systems_Result',
      ...[...byType].map(([type, list]) =>
        elAttrs(
          'Filesystem',
          { Type: type },
          ...list.map((m) => elAttrs('Mount', { Dir: m.dir }, el('Device', m.device), el('Mount_Options', m.options))),
        ),
      ),
    ),
  );
}
