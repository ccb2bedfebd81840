// A real block-device repository: an ext4 file system on a loop device is mounted, holds a
// repository, is unmounted and adopted again, then erased. Needs root and loop devices;
// skipped with the reason when this host cannot mount ext4. Cleans up in teardown.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { execFileSync } from 'node:child_process';
import { HostExec } from '../../../src/host/exec.js';
import { makeHarness, onDisk } from '../../helpers/repo-harness.js';

const U = '0004fb00000300001234567890abcdef';
const MiB = 1024 * 1024;

function run(argv: string[]): string {
  return execFileSync(argv[0], argv.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

function isMountpoint(dir: string): boolean {
  try {
    execFileSync('mountpoint', ['-q', dir]);
    return true;
  } catch {
    return false;
  }
}

function setup(): { img: string; dev: string } | string {
  if (process.getuid?.() !== 0) return 'needs root';
  const img = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-loop-')), 'disk.img');
  let dev = '';
  try {
    run(['truncate', '-s', '64M', img]);
    dev = run(['losetup', '-f', '--show', img]);
    run(['mkfs.ext4', '-q', dev]);
    // Probe once: some kernels/containers refuse ext4 mounts.
    const probe = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-probe-'));
    try {
      run(['mount', dev, probe]);
      run(['umount', probe]);
    } finally {
      fs.rmdirSync(probe);
    }
    return { img, dev };
  } catch (e) {
    if (dev) execFileSync('losetup', ['-d', dev]);
    fs.rmSync(path.dirname(img), { recursive: true, force: true });
    return `cannot mount ext4 on a loop device here: ${(e as Error).message.split('\n')[0]}`;
  }
}

const env = setup();
if (typeof env === 'string') {
  t.test('loop-device ext4 repository', { skip: env }, async () => {});
} else {
  const { img, dev } = env;
  const h = makeHarness({}, new HostExec());
  const mp = path.join(h.root, `OVS/Repositories/${U}`);
  t.teardown(() => {
    if (isMountpoint(mp)) execFileSync('umount', [mp]);
    execFileSync('losetup', ['-d', dev]);
    fs.rmSync(path.dirname(img), { recursive: true, force: true });
    h.cleanup();
  });

  t.test('create, use, unmount, adopt again and erase a repository on ext4', async (t) => {
    await h.svc.createRepository(dev, `/OVS/Repositories/${U}`, U, 'loop repo');
    t.ok(isMountpoint(mp), 'mounted at /OVS/Repositories/<uuid>');
    t.match(run(['findmnt', '-n', '-o', 'SOURCE,FSTYPE', mp]), new RegExp(`^${dev}\\s+ext4$`));
    t.match(await h.svc.discoverRepositoryDb(), `<Fs_location>${dev}</Fs_location>`);
    t.match(await h.svc.discoverRepositoryDb(), '<Filesystem_type>block</Filesystem_type>');

    const disk = await h.svc.createVirtualDisk(U, 'd.img', 512 * MiB, true);
    t.equal(disk.file_sz, 512 * MiB);
    t.ok(disk.ondisk_sz < MiB, `sparse disk on ext4 allocates ${disk.ondisk_sz} bytes`);
    const fd = fs.openSync(path.join(mp, 'VirtualDisks/d.img'), 'r+');
    fs.writeSync(fd, Buffer.alloc(8192, 1), 0, 8192, 100 * MiB);
    fs.closeSync(fd);
    await h.svc.copyFile(`/OVS/Repositories/${U}/VirtualDisks/d.img`, `/OVS/Repositories/${U}/VirtualDisks/copy.img`, true);
    const copy = path.join(mp, 'VirtualDisks/copy.img');
    t.equal(fs.statSync(copy).size, 512 * MiB);
    t.ok(onDisk(copy) < MiB, `sparse copy on ext4 allocates ${onDisk(copy)} bytes`);

    await h.svc.unmountRepositoryFs(`/OVS/Repositories/${U}`);
    t.notOk(isMountpoint(mp), 'unmounted');
    t.match(await h.svc.discoverRepositoryDb(), '<Status>Unmounted</Status>');

    await h.svc.deleteRepository(U, false);
    await h.svc.addRepository(dev, `/OVS/Repositories/${U}`);
    t.ok(isMountpoint(mp), 'add_repository mounted it again');
    t.equal(h.svc.list()[0].alias, 'loop repo', 'metadata read back from the device');
    t.ok(fs.existsSync(path.join(mp, 'VirtualDisks/copy.img')), 'files survived');

    await h.svc.deleteRepository(U, true);
    t.notOk(isMountpoint(mp), 'delete unmounted it');
    t.notOk(fs.existsSync(mp), 'mount point removed');
    const check = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-check-'));
    run(['mount', dev, check]);
    try {
      t.same(fs.readdirSync(check).filter((n) => n !== 'lost+found'), [], 'erase emptied the file system');
    } finally {
      run(['umount', check]);
      fs.rmdirSync(check);
    }
  });
}
