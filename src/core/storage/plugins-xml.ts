// discover_storage_plugins: Discover_Storage_Plugins_Result/storage_plugin_info_list/
// storage_plugin_info[@plugin_impl_name], in the element names and True/False spelling of the stock agent.
import { el, elAttrs, renderXmlDocument, type XmlChild } from '../discovery/xml-doc.js';
import type { PluginInfo } from './plugin.js';

function pluginToXml(p: PluginInfo) {
  const fsKind = p.plugin_type === 'ifs';
  const kids: XmlChild[] = [
    el('plugin_name', p.plugin_name),
    el('plugin_desc', p.plugin_desc),
    el('plugin_version', p.plugin_version),
    el('vendor_name', p.vendor_name),
    el('plugin_type', p.plugin_type),
    el('generic_plugin', p.generic_plugin),
    fsKind ? el('filesys_type', p.filesys_type ?? 'NetworkFS') : null,
    fsKind ? el('filesys_name', p.filesys_name ?? '') : null,
    fsKind ? null : el('storage_types', (p.storage_types ?? []).join(',')),
    fsKind ? el('cluster_required', p.cluster_required ?? false) : null,
    el(fsKind ? 'fs_api_version' : 'sa_api_version', p.api_version),
    el('required_api_vers', p.required_api_vers ?? p.api_version),
    el('extended_api_version', p.extended_api_version ?? 'None'),
    el('ss_extra_info_help', 'None'),
    fsKind ? el('fs_extra_info_help', 'None') : el('se_extra_info_help', 'None'),
    fsKind ? el('file_extra_info_help', 'None') : null,
    el('abilities', ...Object.entries(p.abilities).map(([k, v]) => el(k, v))),
  ];
  return elAttrs('storage_plugin_info', { plugin_impl_name: p.impl_name }, ...kids);
}

export function pluginsToXml(plugins: readonly PluginInfo[]): string {
  return renderXmlDocument(el('Discover_Storage_Plugins_Result', el('storage_plugin_info_list', ...plugins.map(pluginToXml))));
}
