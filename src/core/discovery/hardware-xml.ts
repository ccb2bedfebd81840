// discover_hardware's document: Discover_Hardware_Result/NodeInformation (VMM/PhysicalInfo,
// CPUInfo, IO/SCSI, DMTF). Element names under CPU, DMI and Chassis are our reading.
import type { HardwareInfo } from './host-info.js';
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
                el('Vendor_ID', c.vendorId),
                el('CPU_Family', c.family),
                el('Model', c.model),
                el('Model_Name', c.modelName),
                el('Stepping', c.stepping),
                el('Clock_Speed', c.clockMhz),
                el('Cache_Size', c.cacheSize),
                el('Physical_ID', c.physicalId),
                el('Core_ID', c.coreId),
                el('Siblings', c.siblings),
                el('CPU_Cores', c.cores),
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
        ),
        el(
          'DMTF',
          el('SMBIOS', el('Version', d.smbiosVersion)),
          el(
            'DMI',
            el('Board_Manufacturer', d.board.manufacturer),
            el('Board_Product_Name', d.board.productName),
            el('Board_Serial_Number', d.board.serialNumber),
          ),
          el('BIOS', el('Vendor', d.bios.vendor), el('Version', d.bios.version), el('Release_Date', d.bios.releaseDate)),
          el(
            'System',
            el('Manufacturer', d.system.manufacturer),
            el('Product_Name', d.system.productName),
            el('Serial_Number', d.system.serialNumber),
            el('UUID', d.system.uuid),
          ),
          el(
            'Chassis',
            el('Manufacturer', d.chassis.manufacturer),
            el('Type', d.chassis.type),
            el('Serial_Number', d.chassis.serialNumber),
            el('Asset_Tag', d.chassis.assetTag),
          ),
        ),
      ),
    ),
  );
}
