// VM disks only inside repositories (image files) or as /dev paths (phy:).
import t from 'tap';
import { checkDiskPlaces } from '../../../src/core/vm/disk-places.js';
import { textToDisk } from '../../../src/core/vm/vm-cfg.js';

const disk = (s: string) => textToDisk(s);

t.test('inside repositories or /dev: accepted', async (t) => {
  checkDiskPlaces([disk('file:/OVS/Repositories/r1/VirtualDisks/a.img,xvda,w'), disk('file:/nfsmnt/r2/ISOs/x.iso,hdc:cdrom,r'), disk('phy:/dev/mapper/abc,xvdb,w')]);
  t.pass();
});

t.test('anywhere else: VM_BAD_CONFIG naming the disk', async (t) => {
  for (const s of [
    'file:/etc/shadow,xvda,w',
    'file:/OVS/Repositories/../../etc/shadow,xvda,w',
    'file:/OVS/Repositories,xvda,w',
    'tap:aio:/root/x.img,xvda,w',
    'phy:/etc/passwd,xvda,w',
    'phy:/dev,xvda,w',
    'file:/OVS/Repositories//r/x.img,xvda,w',
  ]) {
    t.throws(() => checkDiskPlaces([disk(s)]), { code: 'VM_BAD_CONFIG', message: /disk xvda/ }, s);
  }
});
