// Pure host-text parsers, table-driven: cpuinfo, meminfo, /proc/stat, mounts, mountinfo, swaps,
// net/dev, os-release, SMBIOS UUIDs and the MAC-derived Unique_Id.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { cpuinfoToCpus } from '../../../src/core/hostinfo/cpuinfo.js';
import {
  loadavgToLoad,
  meminfoToBytes,
  mountinfoToEntries,
  netDevToCounters,
  procMountsToMounts,
  procStatToBootTime,
  procStatToCpuJiffies,
  procSwapsToDevices,
  uptimeToSeconds,
} from '../../../src/core/hostinfo/proc-files.js';
import { isRhelLike, osReleaseToOs, shellVarsToRecord } from '../../../src/core/hostinfo/os-release.js';
import { macsToUniqueId, machineIdToUniqueId, usableSmbiosUuid } from '../../../src/core/hostinfo/unique-id.js';

const fx = (p: string): string =>
  fs.readFileSync(path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/hostinfo', p), 'utf8');

const ARM_CPUINFO = `processor\t: 0
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32
CPU implementer\t: 0x41
CPU architecture: 8
CPU variant\t: 0x3
CPU part\t: 0xd0c
CPU revision\t: 1

processor\t: 1
BogoMIPS\t: 50.00
Features\t: fp asimd evtstrm aes pmull sha1 sha2 crc32
CPU implementer\t: 0x41
CPU architecture: 8
CPU part\t: 0xd0c
CPU revision\t: 1
`;

const cpuCases: Array<{ name: string; text: string; count: number; tpc: number; cps: number; sockets: number; mhz: number; flag?: string }> = [
  { name: 'hand-made RHEL: 2 sockets x 2 cores x 2 threads', text: fx('rhel-server/proc/cpuinfo'), count: 8, tpc: 2, cps: 2, sockets: 2, mhz: 2593.748, flag: 'vmx' },
  { name: 'recorded VM: 1 socket, 2 cores', text: fx('real-vm/proc/cpuinfo'), count: 2, tpc: 1, cps: 2, sockets: 1, mhz: 2596.13, flag: 'avx2' },
  { name: 'ARM without topology or MHz', text: ARM_CPUINFO, count: 2, tpc: 1, cps: 2, sockets: 1, mhz: 0, flag: 'asimd' },
  { name: 'empty', text: '', count: 0, tpc: 1, cps: 1, sockets: 1, mhz: 0 },
];
for (const c of cpuCases) {
  t.test(`cpuinfo: ${c.name}`, async (t) => {
    const r = cpuinfoToCpus(c.text);
    t.equal(r.cpus.length, c.count);
    t.equal(r.threadsPerCore, c.tpc);
    t.equal(r.coresPerSocket, c.cps);
    t.equal(r.sockets, c.sockets);
    t.equal(r.mhz, c.mhz);
    if (c.flag) t.ok(r.flags.includes(c.flag), `has flag ${c.flag}`);
    t.same(r.cpus.map((x) => x.id), [...Array(c.count).keys()]);
  });
}

t.test('cpuinfo: per-CPU fields', async (t) => {
  const cpu = cpuinfoToCpus(fx('rhel-server/proc/cpuinfo')).cpus[5];
  t.match(cpu, { id: 5, vendorId: 'GenuineIntel', family: '6', model: '62', stepping: '4', physicalId: '1', coreId: '1', cacheSize: '20480 KB' });
  const arm = cpuinfoToCpus(ARM_CPUINFO).cpus[0];
  t.match(arm, { vendorId: '0x41', model: '0xd0c', stepping: '1' });
});

t.test('meminfo: kB lines become bytes, plain counts stay', async (t) => {
  const m = meminfoToBytes('MemTotal:       1000 kB\nMemFree: 10 kB\nHugePages_Total:       4\nbogus line\n');
  t.same(m, { MemTotal: 1024000, MemFree: 10240, HugePages_Total: 4 });
  t.equal(meminfoToBytes(fx('rhel-server/proc/meminfo')).MemAvailable, 255000000 * 1024);
});

t.test('/proc/stat: btime and the aggregate cpu line', async (t) => {
  const text = fx('rhel-server/proc/stat');
  t.equal(procStatToBootTime(text), 1700000000);
  t.equal(procStatToBootTime('cpu 1 2 3\n'), undefined);
  t.same(procStatToCpuJiffies(text), { idle: 98400, total: 100000 });
  t.equal(procStatToCpuJiffies('intr 1\n'), undefined);
});

t.test('/proc/mounts: octal escapes decoded, short lines skipped', async (t) => {
  const m = procMountsToMounts('a /mnt/x\\040y nfs rw 0 0\nbroken line\n\n/dev/sda1 /boot ext4 rw,relatime 0 0\n');
  t.same(m, [
    { device: 'a', dir: '/mnt/x y', type: 'nfs', options: 'rw' },
    { device: '/dev/sda1', dir: '/boot', type: 'ext4', options: 'rw,relatime' },
  ]);
});

t.test('mountinfo: major:minor, dir, type, source (optional fields skipped)', async (t) => {
  const e = mountinfoToEntries(fx('rhel-server/proc/self/mountinfo'));
  t.same(e.find((x) => x.dir === '/'), { dev: '253:0', dir: '/', type: 'xfs', source: '/dev/mapper/vg_sys-lv_root' });
  t.equal(e.find((x) => x.type === 'nfs4')?.dir, '/nfsmnt/nfs4 share');
  t.same(mountinfoToEntries('garbage\n'), []);
});

t.test('swaps: partitions only', async (t) => {
  t.same(procSwapsToDevices('Filename Type Size Used Priority\n/dev/sda2 partition 8 0 -2\n/swapfile file 8 0 -3\n'), ['/dev/sda2']);
  t.same(procSwapsToDevices(''), []);
});

t.test('net/dev: rx/tx bytes and packets per interface', async (t) => {
  const c = netDevToCounters(fx('rhel-server/proc/net/dev'));
  t.same(Object.keys(c), ['lo', 'eth0', 'eth1', 'bond0']);
  t.same(c.eth0, { rxBytes: 5000000000, rxPackets: 4000000, txBytes: 3000000000, txPackets: 2500000 });
});

t.test('loadavg and uptime', async (t) => {
  t.same(loadavgToLoad('0.52 0.40 0.31 2/310 4321\n'), [0.52, 0.4, 0.31]);
  t.same(loadavgToLoad(''), [0, 0, 0]);
  t.equal(uptimeToSeconds('86400.25 600000.00\n'), 86400.25);
  t.equal(uptimeToSeconds('x'), 0);
});

const osCases: Array<[string, string | undefined, string | undefined, { name: string; major: string; minor: string; rhel: boolean }]> = [
  ['Oracle Linux 7.9 with release file', fx('rhel-server/etc/os-release'), fx('rhel-server/etc/oracle-release'), { name: 'Oracle Linux Server', major: '7', minor: '9', rhel: true }],
  ['Debian 12 (no minor)', fx('real-vm/etc/os-release'), undefined, { name: 'Debian GNU/Linux', major: '12', minor: '0', rhel: false }],
  ['RHEL 8 os-release says 8.6, release file wins', 'NAME="Red Hat Enterprise Linux"\nID="rhel"\nVERSION_ID="8"\n', 'Red Hat Enterprise Linux release 8.6 (Ootpa)\n', { name: 'Red Hat Enterprise Linux', major: '8', minor: '6', rhel: true }],
  ['only a release file', undefined, 'CentOS Linux release 7.9.2009 (Core)\n', { name: 'CentOS Linux', major: '7', minor: '9', rhel: false }],
  ['nothing at all', undefined, undefined, { name: 'Linux', major: '', minor: '', rhel: false }],
];
for (const [name, osr, rel, want] of osCases) {
  t.test(`os-release: ${name}`, async (t) => {
    const o = osReleaseToOs(osr, rel);
    t.equal(o.name, want.name);
    t.equal(o.major, want.major);
    t.equal(o.minor, want.minor);
    t.equal(isRhelLike(o), want.rhel);
  });
}

t.test('shell vars: quoting and escapes', async (t) => {
  t.same(shellVarsToRecord('A="x \\"y\\""\nB=\'z w\'\nC=plain\n# D=no\n  E = bad\n'), { A: 'x "y"', B: 'z w', C: 'plain' });
});

t.test('SMBIOS UUIDs: real ones lowercased, placeholders refused', async (t) => {
  t.equal(usableSmbiosUuid('080020FF-FFFF-FFFF-FFFF-0010E0A1B2C3\n'), '080020ff-ffff-ffff-ffff-0010e0a1b2c3');
  for (const bad of ['', 'not-a-uuid', '00000000-0000-0000-0000-000000000000', '03000200-0400-0500-0006-000700080009', 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF']) {
    t.equal(usableSmbiosUuid(bad), undefined, JSON.stringify(bad));
  }
});

t.test('MAC-derived Unique_Id: deterministic, order-free, RFC 4122 v5', async (t) => {
  const a = macsToUniqueId(['00:10:E0:A1:B2:C3', '00:10:e0:a1:b2:c4']);
  const b = macsToUniqueId(['00:10:e0:a1:b2:c4', '00:10:e0:a1:b2:c3', '00:10:e0:a1:b2:c3']);
  t.equal(a, b);
  t.match(a, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
  t.not(macsToUniqueId(['00:10:e0:a1:b2:c3']), a, 'another NIC set, another id');
  t.equal(macsToUniqueId(['00:00:00:00:00:00', 'junk']), undefined);
  t.equal(macsToUniqueId([]), undefined);
  t.equal(machineIdToUniqueId('0f1e2d3c4b5a69788796a5b4c3d2e1f0\n'), '0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0');
  t.equal(machineIdToUniqueId('short'), undefined);
});
