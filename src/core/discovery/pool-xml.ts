// discover_server_pool's document: Discover_Server_Pool_Result/Server_Pool/{Unique_Id,
// Pool_Alias, Master_Virtual_Ip, Primary_Virtual_Ip, Member_List/Member/Registered_IP}; empty
// when not pooled.
import { el, renderXmlDocument } from './xml-doc.js';

export interface PoolXmlInput {
  uuid: string;
  alias: string;
  virtualIp: string;
  memberIps: readonly string[];
}

export function poolToXml(pool: PoolXmlInput | undefined): string {
  if (!pool) return renderXmlDocument(el('Discover_Server_Pool_Result'));
  return renderXmlDocument(
    el(
      'Discover_Server_Pool_Result',
      el(
        'Server_Pool',
        el('Unique_Id', pool.uuid),
        el('Pool_Alias', pool.alias),
        el('Master_Virtual_Ip', pool.virtualIp),
        // Newer CloudStack releases read the virtual IP under this name; older ones the one above.
        el('Primary_Virtual_Ip', pool.virtualIp),
        el('Member_List', ...pool.memberIps.map((ip) => el('Member', el('Registered_IP', ip)))),
      ),
    ),
  );
}
