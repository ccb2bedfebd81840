// Which running VMs use a repository (their folder is in it, or their domain names a file in
// it): what delete_repository, erase and unmount must refuse over.
import { isAgentError } from '../../core/errors.js';
import { repoPath } from '../../core/ids.js';
import { normUuid } from '../../core/vm/vm-cfg.js';
import type { Hypervisor } from '../../host/libvirt/hypervisor.js';
import { isActive } from './vm-watch.js';

export interface RepoUsageDeps {
  hypervisor: Hypervisor;
  /** The repository and VM folder of a known VM, by normalized uuid. */
  whereIs: (uuid: string) => { repoId: string; vmId: string } | undefined;
  /** The host path of a sysroot path (disks may be named either way in a domain). */
  resolve: (p: string) => string;
}

/**
 * Names (`repo/vm`, or the libvirt name of a domain the agent does not know) of the running
 * VMs that use the repository. A libvirt failure propagates: the caller refuses rather than
 * deleting files a VM may be running from.
 */
export async function vmsUsingRepository(deps: RepoUsageDeps, repoUuid: string): Promise<string[]> {
  const dir = `${repoPath(repoUuid)}/`;
  const hostDir = deps.resolve(dir);
  const out: string[] = [];
  for (const d of await deps.hypervisor.listDomains()) {
    if (!isActive(d)) continue;
    const where = deps.whereIs(normUuid(d.uuid));
    const name = where ? `${where.repoId}/${where.vmId}` : d.name;
    if (where?.repoId === repoUuid) {
      out.push(name);
      continue;
    }
    const xml = await deps.hypervisor.getXml(d.uuid).catch((e: unknown) => {
      if (isAgentError(e) && e.code === 'VM_NOT_FOUND') return ''; // gone since the listing
      throw e;
    });
    if (xml.includes(`'${dir}`) || xml.includes(`"${dir}`) || xml.includes(`'${hostDir}`) || xml.includes(`"${hostDir}`)) out.push(name);
  }
  return out.sort();
}
