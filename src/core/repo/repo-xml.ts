// The repository discovery documents: Discover_Repositories_Result (what a repository holds)
// and Discover_Repository_Db_Result (what this host remembers), element names as wire-api 3.6.
import type { RepoMeta } from './repo-meta.js';
import { el, elAttrs, renderXmlDocument, type XmlElement } from '../discovery/xml-doc.js';

/** A named folder and the files in it (a template, VM or assembly). */
export interface RepoEntry {
  name: string;
  files: string[];
}

export interface RepoContents {
  meta: RepoMeta;
  assemblies: RepoEntry[];
  templates: RepoEntry[];
  virtualMachines: RepoEntry[];
  virtualDisks: string[];
  isos: string[];
}

export interface RepoDbEntry {
  uuid: string;
  fsLocation: string;
  mountPoint: string;
  filesystemType: string;
  version: string;
  alias: string;
  managerUuid: string;
  mounted: boolean;
}

// An empty value renders as an empty element (`<Manager_UUID/>`).
const text = (name: string, value: string): XmlElement => el(name, value === '' ? undefined : value);

function entries(listName: string, itemName: string, list: RepoEntry[]): XmlElement {
  return el(listName, ...list.map((e) => elAttrs(itemName, { Name: e.name }, ...e.files.map((f) => text('File', f)))));
}

export function repoContentsToXml(r: RepoContents): XmlElement {
  return elAttrs(
    'Repository',
    { Name: r.meta.uuid },
    text('Version', r.meta.version),
    text('Manager_UUID', r.meta.managerUuid),
    text('Repository_UUID', r.meta.uuid),
    text('Repository_Alias', r.meta.alias),
    entries('Assemblies', 'Assembly', r.assemblies),
    entries('Templates', 'Template', r.templates),
    entries('VirtualMachines', 'VirtualMachine', r.virtualMachines),
    el('VirtualDisks', ...r.virtualDisks.map((d) => text('Disk', d))),
    el('ISOs', ...r.isos.map((i) => text('ISO', i))),
  );
}

export function reposToDiscoverXml(repos: RepoContents[]): string {
  return renderXmlDocument(el('Discover_Repositories_Result', el('RepositoryList', ...repos.map(repoContentsToXml))));
}

export function repoDbToDiscoverXml(list: RepoDbEntry[]): string {
  return renderXmlDocument(
    el(
      'Discover_Repository_Db_Result',
      el(
        'RepositoryDbList',
        ...list.map((r) =>
          elAttrs(
            'Repository',
            { Uuid: r.uuid },
            text('Fs_location', r.fsLocation),
            text('Mount_point', r.mountPoint),
            text('Filesystem_type', r.filesystemType),
            text('Version', r.version),
            text('Alias', r.alias),
            text('Manager_uuid', r.managerUuid),
            text('Status', r.mounted ? 'Mounted' : 'Unmounted'),
          ),
        ),
      ),
    ),
  );
}
