// Where a VM's disks may be: image files only inside repositories (under the repositories root
// or an NFS repository mount), physical disks only as /dev paths. Checked on new or edited vm.cfg.
import { fail } from '../errors.js';
import { REPOSITORIES_ROOT } from '../ids.js';
import { cleanAbsolutePath, isWithin } from '../repo/fs-location.js';
import type { Disk } from './vm-cfg.js';

const IMAGE_ROOTS = [REPOSITORIES_ROOT, '/nfsmnt'];

export function checkDiskPlaces(disks: readonly Disk[]): void {
  for (const d of disks) {
    const p = cleanAbsolutePath(d.path);
    const shown = d.path.slice(0, 120);
    if (!p || p !== d.path.replace(/\/+$/, '')) throw fail('VM_BAD_CONFIG', `disk ${d.dev}: path ${shown} must be clean (no '.', '..' or '//')`);
    if (d.kind === 'phy') {
      if (!isWithin(p, '/dev') || p === '/dev') throw fail('VM_BAD_CONFIG', `disk ${d.dev}: a phy: disk must be a /dev path, not ${shown}`);
    } else if (!IMAGE_ROOTS.some((root) => isWithin(p, root) && p !== root)) {
      throw fail('VM_BAD_CONFIG', `disk ${d.dev}: ${shown} is outside the repositories (${IMAGE_ROOTS.join(', ')})`);
    }
  }
}
