// discover_* against recorded sysroots: a hand-made RHEL-like Xen server with DMI and a
// copy of this VM (no DMI), with the agent's own state filling ownership and pool fields.
import t from 'tap';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { hostDeps, rejectionCode, type HostTestDeps } from '../../helpers/host-deps.js';
import type { Test } from 'tap';
import { HostService } from '../../../src/services/host/host-service.js';
import { STATE_KEYS } from '../../../src/services/context.js';
import { macsToUniqueId, uuidToColonHex } from '../../../src/core/hostinfo/unique-id.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (n) => ['CPU', 'LUN', 'Filesystem', 'Mount', 'SCSI_Host'].includes(n) });
function parse(xml: string): any {
  t.equal(XMLValidator.validate(xml), true, 'well-formed');
  t.ok(xml.startsWith('<?xml version="1.0" ?>'), 'declaration');
  return parser.parse(xml);
}

async function service(t: Test, fixture: string, extra: Partial<ConstructorParameters<typeof HostService>[0]> = {}): Promise<[HostService, HostTestDeps]> {
  const d = await hostDeps(fixture);
  t.teardown(d.cleanup);
  // chronyc answers "not running" unless a test says otherwise.
  d.exec.answers.set('chronyc', { code: 1 });
  d.exec.answers.set('systemctl is-active', { code: 3 });
  return [new HostService({ ...d, agentVersion: '1.2.3', ...extra }), d];
}

t.test('discover_server on the RHEL server, unowned', async (t) => {
  const [h] = await service(t, 'rhel-server');
  const s = parse(await h.discoverServer()).Discover_Server_Result.Server;
  t.match(s, {
    Unique_Id: '08:00:20:ff:ff:ff:ff:ff:ff:ff:00:10:e0:a1:b2:c3',
    Boot_Time: '1700000000',
    Date_Time: { Time_Zone: 'America/New_York', UTC: 'True' },
    NTP: { Local_Time_Source: 'True', Is_NTP_Running: 'True' },
    Agent_Version: '1.2.3',
    OS_Type: 'Linux',
    OS_Name: 'Oracle Linux Server',
    OS_Major_Version: '7',
    OS_Minor_Version: '9',
    Hypervisor_Type: 'xen',
    Hypervisor_Name: 'Xen',
    Host_Kernel_Release: '4.14.35-2047.510.5.el7uek.x86_64',
    VMM: { Version: { Major: '4', Minor: '4', Extra: '.4OVM' } },
    Manager_Unique_Id: 'none',
    Hostname: 'ovs1.example.com',
    Is_Current_Master: 'false',
    Membership_State: 'Unowned',
    Cluster_State: 'Offline',
    Statistic: { Interval: '0' },
  });
  t.match(s.VMM.Capabilities, /hvm-3.0-x86_64/);
  // Tools installed but no cluster or SAN support in the agent: not advertised.
  t.match(s.Capabilities, { ISCSI: 'False', FIBRE_CHANNEL: 'False', NFS: 'True', CLUSTERS: 'False', HIGH_AVAILABILITY: 'False', HVM_MAX_VNICS: '8', POWER_ON_WOL: 'False' });
});

t.test('Capabilities: what the agent implements and the host has tools for', async (t) => {
  const [h] = await service(t, 'rhel-server', { implements: { clusters: true, iscsi: true, fibreChannel: true, nfs: true } });
  const s = parse(await h.discoverServer()).Discover_Server_Result.Server;
  t.match(s.Capabilities, { ISCSI: 'True', FIBRE_CHANNEL: 'True', NFS: 'True', CLUSTERS: 'True', HIGH_AVAILABILITY: 'True' });
  const [h2] = await service(t, 'rhel-server', { implements: { nfs: false } });
  t.match(parse(await h2.discoverServer()).Discover_Server_Result.Server.Capabilities, { NFS: 'False' }, 'the sandbox mounts no NFS');
});

t.test('discover_server reflects ownership, pool, roles, interval and injected answers', async (t) => {
  const [h, d] = await service(t, 'rhel-server', {
    clusterState: () => 'Online',
    clusterCapable: () => false,
    hypervisor: async () => ({ type: 'kvm', name: 'KVM', version: { major: '9', minor: '1', extra: '' }, capabilities: 'hvm' }),
  });
  d.hostState.set(STATE_KEYS.managerUuid, '0004fb00000100008a1b2c3d4e5f6a7b');
  let s = parse(await h.discoverServer()).Discover_Server_Result.Server;
  t.equal(s.Membership_State, 'Owned');
  t.equal(s.Manager_Unique_Id, '0004fb00000100008a1b2c3d4e5f6a7b');
  t.equal(s.Pool_Unique_Id, '');

  d.hostState.setJson(STATE_KEYS.pool, {
    uuid: '0004fb0000020000ba9aaf00ae5e2d73',
    alias: 'pool1',
    virtualIp: '10.1.1.20',
    nodeNumber: 2,
    hostname: 'ovs1',
    registeredIp: '10.1.1.21',
    memberIps: ['10.1.1.21', '10.1.1.22'],
    isMaster: true,
  });
  d.hostState.setJson(STATE_KEYS.serverRoles, ['xen', 'utility']);
  d.hostState.set(STATE_KEYS.statisticInterval, '20');
  s = parse(await h.discoverServer()).Discover_Server_Result.Server;
  t.match(s, {
    Membership_State: 'Pooled',
    Pool_Unique_Id: '0004fb0000020000ba9aaf00ae5e2d73',
    Master_Virtual_Ip: '10.1.1.20',
    Node_Number: '2',
    Registered_IP: '10.1.1.21',
    Is_Current_Master: 'true',
    Server_Roles: 'xen,utility',
    Statistic: { Interval: '20' },
    Cluster_State: 'Online',
    Hypervisor_Type: 'kvm',
    VMM: { Version: { Major: '9' }, Capabilities: 'hvm' },
  });
  d.hostState.set(STATE_KEYS.serverRoles, 'utility');
  s = parse(await h.discoverServer()).Discover_Server_Result.Server;
  t.equal(s.Server_Roles, 'utility', 'roles stored as plain text read too');
  t.match(s.Capabilities, { CLUSTERS: 'False', HIGH_AVAILABILITY: 'False' }, 'the cluster area says the cluster cannot run here');
});

t.test('Unique_Id without SMBIOS: derived from physical NIC MACs, then machine-id', async (t) => {
  const [h, d] = await service(t, 'real-vm');
  const mac = (await fsp.readFile(path.join(d.sysroot, 'sys/class/net/eth0/address'), 'utf8')).trim();
  const s = parse(await h.discoverServer()).Discover_Server_Result.Server;
  t.equal(s.Unique_Id, uuidToColonHex(macsToUniqueId([mac]) ?? ''), 'only eth0 has a device link');
  t.equal(s.Hypervisor_Type, 'kvm');
  t.equal(s.OS_Name, 'Debian GNU/Linux');
  t.equal(s.Date_Time.Time_Zone, 'Etc/UTC');
  t.equal(s.NTP.Is_NTP_Running, 'False', 'no pid file, chronyc fails');

  // A placeholder SMBIOS UUID does not count.
  await fsp.mkdir(path.join(d.sysroot, 'sys/class/dmi/id'), { recursive: true });
  await fsp.writeFile(path.join(d.sysroot, 'sys/class/dmi/id/product_uuid'), '03000200-0400-0500-0006-000700080009\n');
  t.equal(parse(await h.discoverServer()).Discover_Server_Result.Server.Unique_Id, uuidToColonHex(macsToUniqueId([mac]) ?? ''));

  await fsp.rm(path.join(d.sysroot, 'sys/class/net/eth0/device'), { recursive: true });
  await fsp.writeFile(path.join(d.sysroot, 'etc/machine-id'), '0f1e2d3c4b5a69788796a5b4c3d2e1f0\n');
  t.equal(parse(await h.discoverServer()).Discover_Server_Result.Server.Unique_Id, '0f:1e:2d:3c:4b:5a:69:78:87:96:a5:b4:c3:d2:e1:f0');
});

t.test('discover_hardware on the RHEL server', async (t) => {
  const [h] = await service(t, 'rhel-server');
  const n = parse(await h.discoverHardware()).Discover_Hardware_Result.NodeInformation;
  t.match(n.VMM.PhysicalInfo, {
    ThreadsPerCore: '2',
    CoresPerSocket: '2',
    SocketsPerNode: '1',
    Nodes: '2',
    CPUKHz: '2593748',
    TotalPages: String(Math.floor((263856128 * 1024) / 4096)),
    FreePages: String(Math.floor((255000000 * 1024) / 4096)),
  });
  t.equal(n.VMM.PhysicalInfo.HW_Caps.Item_0, 'fpu');
  t.equal(n.CPUInfo.Proc_Info.CPU.length, 8);
  t.match(n.CPUInfo.Proc_Info.CPU[7], { '@ID': '7', physical_id: '1', model_name: /E5-2650/, flags: /\bvmx\b/ });
  t.same(
    n.IO.SCSI.SCSI_Host.map((x: any) => [x['@Num'], x.Proc_Name]),
    [['0', 'megaraid_sas'], ['1', 'qla2xxx'], ['2', 'iscsi_tcp']],
  );
  t.equal(n.IO.SCSI.ISCSI_Node.Initiatorname, 'iqn.1988-12.com.oracle:6a2b1c3d4e5f');
  t.match(n.DMTF, {
    SMBIOS: { '@Version': '2.7' },
    BIOS: { '@Type': '0', Vendor: 'American Megatrends Inc.', Version: '25010600', ReleaseDate: '07/08/2014' },
    System: { '@Type': '1', Manufacturer: 'Oracle Corporation', ProductName: 'SUN SERVER X4-2', SerialNumber: '1347NM1034', UUID: '08:00:20:ff:ff:ff:ff:ff:ff:ff:00:10:e0:a1:b2:c3' },
    Chassis: { '@Type': '3', ChassisType: 'Rack Mount Chassis', AssetTag: '7046225' },
  });
});

t.test('discover_hardware asks systeminformation for the clock when the kernel does not say', async (t) => {
  let asked = 0;
  const si = { cpu: async () => (asked++, { manufacturer: 'ARM', brand: 'Neoverse', speed: 2.5, speedMax: 3, physicalCores: 2, cores: 2, processors: 1 }) };
  const [h, d] = await service(t, 'real-vm', { si });
  const cpuinfo = path.join(d.sysroot, 'proc/cpuinfo');
  await fsp.writeFile(cpuinfo, (await fsp.readFile(cpuinfo, 'utf8')).replace(/^cpu MHz.*$/gm, ''));
  const n = parse(await h.discoverHardware()).Discover_Hardware_Result.NodeInformation;
  t.equal(n.VMM.PhysicalInfo.CPUKHz, '3000000');
  t.equal(asked, 1);
  t.equal(n.DMTF.System.UUID, '', 'no DMI on this VM');
});

t.test('discover_physical_luns leaves out system, held, removable and pseudo devices', async (t) => {
  const [h] = await service(t, 'rhel-server');
  const luns = parse(await h.discoverPhysicalLuns('')).Discover_Physical_Luns_Result.LUN;
  t.same(luns.map((l: any) => l['@Name']), ['sdb'], 'sda: root+boot+swap, dm-0: root, dm-1: mounted (the pool file system), sdc: USB, sdd: multipath path, sr0/loop0');
  t.match(luns[0], { Device: '/dev/sdb', Vendor: 'NETAPP', Model: 'LUN C-Mode', Serial: '80ZBQ+JBsxe1', Removable: 'False', Rotational: 'True' });
  const one = parse(await h.discoverPhysicalLuns('/dev/sdb')).Discover_Physical_Luns_Result.LUN;
  t.same(one.map((l: any) => l['@Name']), ['sdb']);
  const none = parse(await h.discoverPhysicalLuns('sda, sdz')).Discover_Physical_Luns_Result;
  t.equal(none, '', 'a system disk is never offered, even when asked for');
});

t.test('the recorded VM offers no LUN: its only disk holds /', async (t) => {
  const [h] = await service(t, 'real-vm');
  t.equal(await h.discoverPhysicalLuns(''), '<?xml version="1.0" ?><Discover_Physical_Luns_Result/>');
});

t.test('discover_mounted_file_systems by type', async (t) => {
  const [h] = await service(t, 'rhel-server');
  const fsOf = async (type: string) => parse(await h.discoverMountedFileSystems(type)).Discover_Mounted_File_Systems_Result.Filesystem ?? [];
  const nfs = await fsOf('nfs');
  t.same(nfs.map((f: any) => f['@Type']), ['nfs']);
  t.match(nfs[0].Mount[0], { '@Dir': '/nfsmnt/0004fb0000050000', Device: '10.1.1.5:/export/repo', Mount_Options: /vers=3/ });
  t.equal((await fsOf('nfs4'))[0].Mount[0]['@Dir'], '/nfsmnt/nfs4 share');
  t.equal((await fsOf('ocfs2'))[0].Mount[0].Device, '/dev/mapper/mpatha');
  t.same((await fsOf('rootfs')).map((f: any) => [f['@Type'], f.Mount[0]['@Dir']]), [['xfs', '/']]);
  t.same((await fsOf('all')).map((f: any) => f['@Type']), ['sysfs', 'proc', 'xfs', 'ext4', 'nfs', 'nfs4', 'ocfs2']);
  for (const bad of ['ext4', '', 'NFS']) {
    t.equal(await rejectionCode(h.discoverMountedFileSystems(bad)), 'INVALID_ARGUMENT', JSON.stringify(bad));
  }
});

t.test('discover_physical_luns offers raw disks only: no partitions, no mounts, no signatures', async (t) => {
  const probed: string[] = [];
  const [h, d] = await service(t, 'rhel-server', {
    probeSignature: async (dev) => {
      probed.push(dev);
      return dev === '/dev/sdg' ? 'LVM2_member' : undefined;
    },
  });
  const disk = async (name: string, majMin: string, parts: string[] = []) => {
    const base = path.join(d.sysroot, 'sys/block', name);
    await fsp.mkdir(path.join(base, 'device'), { recursive: true });
    await fsp.writeFile(path.join(base, 'dev'), `${majMin}\n`);
    await fsp.writeFile(path.join(base, 'size'), '2097152\n');
    for (const [i, p] of parts.entries()) {
      await fsp.mkdir(path.join(base, p), { recursive: true });
      await fsp.writeFile(path.join(base, p, 'partition'), `${i + 1}\n`);
      await fsp.writeFile(path.join(base, p, 'dev'), `${majMin.split(':')[0]}:${Number(majMin.split(':')[1]) + i + 1}\n`);
    }
  };
  await disk('sde', '8:64', ['sde1']); // partitioned
  await disk('sdf', '8:80'); // mounted whole at /data
  await disk('sdg', '8:96'); // an LVM PV signature
  await disk('sdh', '8:112'); // raw
  await fsp.appendFile(path.join(d.sysroot, 'proc/self/mountinfo'), '120 60 8:80 / /data rw,relatime shared:50 - xfs /dev/sdf rw\n');
  const luns = parse(await h.discoverPhysicalLuns('')).Discover_Physical_Luns_Result.LUN;
  t.same(luns.map((l: any) => l['@Name']), ['sdb', 'sdh']);
  t.ok(probed.includes('/dev/sdg') && !probed.includes('/dev/sde') && !probed.includes('/dev/sdf'), 'signatures are probed only on candidates');
  t.equal(parse(await h.discoverPhysicalLuns('sde sdf sdg')).Discover_Physical_Luns_Result, '', 'never offered, even when asked for');
});
