// discover_hardware's document: Discover_Hardware_Result/NodeInformation (VMM/PhysicalInfo,
// CPUInfo, IO/SCSI, DMTF), named and nested as real agents' answers (CloudStack's captures).
import type { HardwareInfo } from './host-info.js';
import { uuidToColonHex } from '../hostinfo/unique-id.js';
import { el, elAttrs, renderXmlDocument } from './xml-doc.js';

export function hardwareInfoToXml(info: HardwareInfo): string {
  const p = info.physical;
  const d = info.dmtf;
  return renderXmlDocument(
    el(
      'Discover_Hardware_Result',
      el(
        'NodeInformation',
        el(
          'VMM',
          el(
            'PhysicalInfo',
            el('ThreadsPerCore', p.threadsPerCore),
            el('CoresPerSocket', p.coresPerSocket),
            el('SocketsPerNode', p.socketsPerNode),
            el('Nodes', p.nodes),
            el('CPUKHz', p.cpuKHz),
            el('TotalPages', p.totalPages),
            el('FreePages', p.freePages),
            el('HW_Caps', ...p.hwCaps.map((c, i) => el(`Item_${i}`, c))),
          ),
        ),
        el(
          'CPUInfo',
          el(
            'Proc_Info',
            ...info.cpus.map((c) =>
              elAttrs(
                'CPU',
                { ID: c.id },
                // Real agents named these after the /proc/cpuinfo keys; the last four are ours.
                el('vendor_id', c.vendorId),
                el('cpu_family', c.family),
                el('model', c.model),
                el('model_name', c.modelName),
                el('stepping', c.stepping),
                el('cache_size', c.cacheSize),
                el('flags', c.flags),
                el('cpu_MHz', c.clockMhz),
                el('physical_id', c.physicalId),
                el('core_id', c.coreId),
                el('siblings', c.siblings),
                el('cpu_cores', c.cores),
              ),
            ),
          ),
        ),
        el(
          'IO',
          el(
            'SCSI',
            ...info.scsiHosts.map((h) => elAttrs('SCSI_Host', { Num: h.num }, el('Proc_Name', h.procName))),
            el('ISCSI_Node', el('Initiatorname', info.iscsiInitiatorName)),
          ),
          el('IDE'),
        ),
        // SMBIOS structures as real agents sent them (Type = SMBIOS structure type; the raw table
        // children MaxSize/TableLength/Items/Buffer need the root-only DMI dump and stay empty).
        el(
          'DMTF',
          elAttrs('SMBIOS', { Version: d.smbiosVersion }, el('MaxSize', '')),
          elAttrs('DMI', { Version: d.smbiosVersion.split('.').slice(0, 2).join('.') }, el('TableLength', ''), el('Items', ''), el('Buffer', '')),
          elAttrs('BIOS', { Type: 0, Item: 0, Handle: '0x0' }, el('Vendor', d.bios.vendor), el('Version', d.bios.version), el('ReleaseDate', d.bios.releaseDate)),
          elAttrs(
            'System',
            { Type: 1, Item: 1, Handle: '0x100' },
            el('UUID', uuidToColonHex(d.system.uuid)),
            el('Manufacturer', d.system.manufacturer),
            el('ProductName', d.system.productName),
            el('SerialNumber', d.system.serialNumber),
          ),
          elAttrs(
            'BaseBoard',
            { Type: 2, Item: 2, Handle: '0x200' },
            el('Manufacturer', d.board.manufacturer),
            el('ProductName', d.board.productName),
            el('SerialNumber', d.board.serialNumber),
          ),
          elAttrs(
            'Chassis',
            { Type: 3, Item: 3, Handle: '0x300' },
            el('Height', ''),
            el('Manufacturer', d.chassis.manufacturer),
            el('ChassisType', d.chassis.type),
            el('SerialNumber', d.chassis.serialNumber),
            el('AssetTag', d.chassis.assetTag),
          ),
        ),
      ),
    ),
  );
}
