// discover_server's document: Discover_Server_Result/Server with every element wire-api.md
// section 4 lists, in the order and spelling of real agents' answers (CloudStack's captures).
import type { ServerInfo } from './host-info.js';
import { uuidToColonHex } from '../hostinfo/unique-id.js';
import { el, lowerBool, renderXmlDocument } from './xml-doc.js';

export function serverInfoToXml(info: ServerInfo): string {
  return renderXmlDocument(
    el(
      'Discover_Server_Result',
      el(
        'Server',
        el('Unique_Id', uuidToColonHex(info.uniqueId)),
        el('Boot_Time', info.bootTime),
        el('Date_Time', el('Time_Zone', info.dateTime.timeZone), el('UTC', info.dateTime.utc)),
        el('NTP', el('Local_Time_Source', info.ntp.localTimeSource), el('Is_NTP_Running', info.ntp.running)),
        el('Agent_Version', info.agentVersion),
        el('RPM_Version', info.rpmVersion),
        el('OVM_Version', info.ovmVersion),
        el('CPU_Type', info.cpuType),
        el('OS_Type', info.os.type),
        el('OS_Name', info.os.name),
        el('OS_Major_Version', info.os.majorVersion),
        el('OS_Minor_Version', info.os.minorVersion),
        el('Hypervisor_Type', info.hypervisor.type),
        el('Hypervisor_Name', info.hypervisor.name),
        el('Host_Kernel_Release', info.kernel.release),
        el('Host_Kernel_Version', info.kernel.version),
        el(
          'VMM',
          el(
            'Version',
            el('Major', info.vmm.version.major),
            el('Minor', info.vmm.version.minor),
            el('Extra', info.vmm.version.extra),
          ),
          el(
            'Compile_Information',
            el('Compiler', info.vmm.compile.compiler),
            el('By', info.vmm.compile.by),
            el('Domain', info.vmm.compile.domain),
            el('Date', info.vmm.compile.date),
          ),
          el('Capabilities', info.vmm.capabilities),
        ),
        el('Pool_Unique_Id', info.poolUniqueId),
        el('Manager_Unique_Id', info.managerUniqueId),
        el('Hostname', info.hostname),
        el('Registered_IP', info.registeredIp),
        el('Node_Number', info.nodeNumber),
        el('Server_Roles', info.serverRoles),
        el('Is_Current_Master', lowerBool(info.isCurrentMaster)),
        el('Master_Virtual_Ip', info.masterVirtualIp),
        el('Manager_Core_API_Version', info.managerCoreApiVersion),
        el('Membership_State', info.membershipState),
        el('Cluster_State', info.clusterState),
        el('Statistic', el('Interval', info.statisticInterval)),
        el('Exports', ...info.exports.map((p) => el('Export', p))),
        el('Capabilities', ...Object.entries(info.capabilities).map(([k, v]) => el(k, v))),
      ),
    ),
  );
}
