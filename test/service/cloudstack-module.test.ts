// The CloudStack agent-module extension against a temp sysroot, a scripted Exec and a stub
// hypervisor: what it writes and where, what it refuses (changing nothing), the exact argv it
// runs toward a virtual router, the answers' types, and that no content reaches the log.
import t from 'tap';
import type { Test } from 'tap';
import * as fsp from 'node:fs/promises';
import * as path from 'node:path';
import { Writable } from 'node:stream';
import pino from 'pino';
import { hostDeps } from '../helpers/host-deps.js';
import { FakeExec, type ExecCall } from '../helpers/fake-exec.js';
import { failure } from '../helpers/failure.js';
import { CloudstackModule } from '../../src/services/cloudstack/cloudstack-module.js';
import { cloudstackMethods } from '../../src/rpc/methods/cloudstack.js';
import type { DomainStats, Hypervisor } from '../../src/host/libvirt/hypervisor.js';

const VR_MAC = '0e:00:a9:fe:03:02';
const VR_XML = `<domain type='kvm'><name>r-4-VM</name><uuid>11111111-2222-3333-4444-555555555555</uuid><memory unit='KiB'>262144</memory><vcpu>1</vcpu>
<os><type>hvm</type></os><devices><interface type='bridge'><mac address='${VR_MAC}'/><source bridge='control0'/></interface>
<graphics type='vnc' port='5903' listen='0.0.0.0'/></devices></domain>`;

function stubHypervisor(): Hypervisor {
  const dom = { name: 'r-4-VM', uuid: '11111111-2222-3333-4444-555555555555', id: 7, state: 'running' as const, maxMemKiB: 262144, memKiB: 262144, vcpus: 1, cpuTimeNs: 12.5e9 };
  const stats: DomainStats = { ...dom, blockRdBytes: 1024, blockWrBytes: 2048, blockRdReqs: 3, blockWrReqs: 4, netRxBytes: 5, netTxBytes: 6 };
  return {
    listDomains: async () => [dom],
    lookupByName: async (n: string) => (n === dom.name ? dom : undefined),
    getXml: async () => VR_XML,
    bulkStats: async () => [stats],
  } as unknown as Hypervisor;
}

async function setup(t: Test, neigh: (ip: string) => string = () => '[]') {
  const d = await hostDeps('real-vm');
  t.teardown(d.cleanup);
  const lines: string[] = [];
  const log = pino({ level: 'info' }, new Writable({ write: (c, _e, cb) => (lines.push(String(c)), cb()) }));
  const exec = new FakeExec(({ argv }: ExecCall) => {
    if (argv[0] === 'ip' && argv[2] === 'neigh') return { stdout: neigh(argv[argv.length - 1]) };
    if (argv[0] === 'ssh') return { code: 0, stdout: 'ok\n', stderr: '' };
    return {};
  });
  const probes: string[] = [];
  const cs = new CloudstackModule({
    ...d,
    exec,
    log,
    hypervisor: stubHypervisor(),
    probe: async (h, p) => (probes.push(`${h}:${p}`), true),
    startTimeOf: async () => d.clock.now() / 1000 - 100,
  });
  return { d, cs, exec, lines, probes, file: (p: string) => path.join(d.sysroot, p) };
}

t.test('uploads and directories only under the module paths', async (t) => {
  const { cs, file, lines } = await setup(t);
  t.equal(await cs.uploadFile('/opt/cloudstack/bin', 'storagehealth.py', 'SECRET-CONTENT'), true);
  t.equal(await fsp.readFile(file('opt/cloudstack/bin/storagehealth.py'), 'utf8'), 'SECRET-CONTENT');
  t.equal(await cs.mkdirs('/OVS/Repositories/abc/Templates/t1'), null, 'made: nil, as os.makedirs');
  t.equal(await cs.mkdirs('/OVS/Repositories/abc/Templates/t1'), true, 'there already: true');
  t.equal(await cs.checkFile('/opt/cloudstack/bin/storagehealth.py'), true);
  t.equal(await cs.checkFile('/opt/cloudstack/bin'), false, 'a directory is not a file');
  for (const [p, f, code] of [
    ['/etc', 'passwd', 'FORBIDDEN'],
    ['/opt/cloudstackX', 'a', 'FORBIDDEN'],
    ['/opt/cloudstack/../../etc', 'x', 'INVALID_ARGUMENT'],
    ['relative/dir', 'x', 'INVALID_ARGUMENT'],
    ['/opt/cloudstack', '../x', 'INVALID_ARGUMENT'],
    ['/opt/cloudstack', '-rf', 'INVALID_ARGUMENT'],
  ]) {
    t.equal((await failure(cs.uploadFile(p, f, 'x'))).code, code, `${p} ${f}`);
  }
  t.equal((await failure(cs.mkdirs('/root/.ssh/x'))).code, 'FORBIDDEN');
  await t.rejects(fsp.access(file('etc/passwd')), 'nothing written outside');
  t.notMatch(lines.join(''), 'SECRET-CONTENT', 'contents never logged');
  t.match(lines.join(''), 'cloudstack module wrote a file', 'the write is logged');
});

t.test('the system VM key goes to /root/.ssh, private to root', async (t) => {
  const { cs, file, lines } = await setup(t);
  t.equal(await cs.uploadSshKey('id_rsa.cloud', '-----BEGIN KEY-----\nsecret\n'), true);
  const st = await fsp.stat(file('root/.ssh/id_rsa.cloud'));
  t.equal(st.mode & 0o777, 0o600);
  t.equal((await fsp.stat(file('root/.ssh'))).mode & 0o777, 0o700);
  t.equal((await failure(cs.uploadSshKey('../authorized_keys', 'x'))).code, 'INVALID_ARGUMENT');
  t.equal(await cs.checkFile('/root/.ssh/id_rsa.cloud'), true);
  t.notMatch(lines.join(''), 'secret');
});

t.test('commands go only to link-local addresses of VMs running here, as argv', async (t) => {
  const neighbours: Record<string, string> = {
    '169.254.3.2': `[{"dst":"169.254.3.2","dev":"control0","lladdr":"${VR_MAC}","state":["REACHABLE"]}]`,
    '169.254.9.9': '[{"dst":"169.254.9.9","dev":"control0","lladdr":"0e:00:a9:fe:09:09","state":["STALE"]}]',
  };
  const { cs, exec, probes, lines } = await setup(t, (ip) => neighbours[ip] ?? '[]');
  t.equal((await failure(cs.domrExec('192.168.1.10', 'ls'))).code, 'FORBIDDEN', 'not link-local');
  t.equal((await failure(cs.domrExec('169.254.9.9', 'ls'))).code, 'FORBIDDEN', 'link-local, but no VM of this host has that MAC');
  t.equal((await failure(cs.domrExec('169.254.4.4', 'ls'))).code, 'FORBIDDEN', 'no neighbour at all');
  t.same(probes, ['169.254.4.4:3922'], 'an empty neighbour entry is filled by one TCP connect');
  t.notOk(exec.calls.some((c) => c.argv[0] === 'ssh'), 'nothing ran toward a refused address');

  const r = await cs.domrExec('169.254.3.2', 'cat /etc/cloudstack/cmdline.json; echo $HOSTNAME');
  t.same(r, { rc: 0n, out: 'ok\n', err: '' }, 'rc is a bigint: <i8> on the wire, as CloudStack reads it');
  const ssh = exec.calls.find((c) => c.argv[0] === 'ssh')?.argv ?? [];
  t.same(ssh.slice(-2), ['root@169.254.3.2', 'cat /etc/cloudstack/cmdline.json; echo $HOSTNAME'], 'the command is one argv element for the router');
  t.ok(ssh.includes('-p') && ssh[ssh.indexOf('-p') + 1] === '3922');
  t.match(ssh[ssh.indexOf('-i') + 1], /\/root\/\.ssh\/id_rsa\.cloud$/);
  t.notMatch(lines.join(''), 'cmdline.json', 'the command text is not logged, its size is');
  t.equal(await cs.domrCheckSsh('169.254.3.2'), true);
  t.equal((await failure(cs.domrUploadFile('169.254.3.2', '/tmp; rm -rf /', 'f', 'x'))).code, 'INVALID_ARGUMENT');
  t.equal(await cs.domrUploadFile('169.254.3.2', '/var/cache/cloud', 'vm.cfg', 'data'), true);
  const scp = exec.calls.find((c) => c.argv[0] === 'scp')?.argv ?? [];
  t.equal(scp[scp.length - 1], 'root@169.254.3.2:/var/cache/cloud/vm.cfg');
  t.equal(await cs.checkPort('169.254.3.2', 3922, 3, true), true);
  t.equal((await failure(cs.checkPort('10.0.0.1', 3922, 3, true))).code, 'FORBIDDEN');
});

t.test('control interface: the link-local route on the control bridge only', async (t) => {
  const d = await setup(t);
  const exec = new FakeExec(({ argv }) =>
    argv.join(' ') === 'ip -j -4 route show match 169.254.0.0/16' ? { stdout: '[{"dst":"169.254.0.0/16","dev":"eth0"}]' } : {},
  );
  const cs = new CloudstackModule({ ...d.d, exec, log: pino({ level: 'silent' }), hypervisor: stubHypervisor(), probe: async () => true });
  t.equal(await cs.controlInterface('control0', '169.254.0.1/16'), true, 'the address CloudStack sends: its network is routed');
  t.same(exec.calls.map((c) => c.argv.join(' ')).slice(1), [
    'ip route del 169.254.0.0/16 dev eth0',
    'ip route add 169.254.0.0/16 dev control0',
    'ip link set dev control0 arp on',
  ]);
  t.equal((await failure(cs.controlInterface('control0', '10.0.0.0/8'))).code, 'FORBIDDEN');
});

t.test('answers: strings where the module sent strings, the VNC port, the ping', async (t) => {
  const { cs, exec } = await setup(t);
  const stats = await cs.dom0Stats('eth0');
  t.same(Object.keys(stats).sort(), ['cpu', 'free', 'rx', 'total', 'tx']);
  t.ok(Object.values(stats).every((v) => typeof v === 'string' && /^\d+(\.\d+)?$/.test(v)), JSON.stringify(stats));
  t.equal((await failure(cs.dom0Stats('nosuchbr0'))).code, 'NOT_FOUND');
  t.same(await cs.domUStats('r-4-VM'), { rd_bytes: '1024', wr_bytes: '2048', rd_ops: '3', wr_ops: '4', tx_bytes: '6', rx_bytes: '5', cputime: '12.5', uptime: '100', vcpus: '1' });
  t.equal(await cs.vncPort('r-4-VM'), '5903');
  t.equal(await cs.vncPort('Domain-0'), '0', 'only CloudStack-named domains');
  t.equal(await cs.ping('ovm-2.example.com'), true);
  t.same(exec.calls.at(-1)?.argv, ['ping', '-c', '3', '-W', '2', '--', 'ovm-2.example.com']);
  t.equal((await failure(cs.ping('-f'))).code, 'INVALID_ARGUMENT');
});

t.test('declarations: every module method, secrets marked, callable before ownership', async (t) => {
  const { cs } = await setup(t);
  const defs = cloudstackMethods(cs, '3.3.1');
  const names = defs.map((d) => d.name);
  for (const n of ['ovs_upload_ssh_key', 'check_dom0_ip', 'ovs_control_interface', 'ping', 'ovs_check_file', 'ovs_mkdirs', 'ovs_upload_file',
    'ovs_domr_upload_file', 'exec_domr', 'check_domr_port', 'check_domr_ssh', 'check_dom0_port', 'check_dom0_storage_health_check',
    'check_dom0_storage_health', 'ovs_dom0_stats', 'ovs_domU_stats', 'get_vncport']) t.ok(names.includes(n), n);
  const secret = Object.fromEntries(defs.map((d) => [d.name, d.secretArgs ?? []]));
  t.same([secret.ovs_upload_ssh_key, secret.ovs_upload_file, secret.ovs_domr_upload_file, secret.exec_domr], [[1], [2], [3], [1]]);
  t.ok(defs.every((d) => d.access === 'public'));
});

t.test('off by default: the agent has none of the module methods; extensions: [cloudstack] adds them', async (t) => {
  const { buildFeatures } = await import('../../src/feature-list.js');
  const { OwnershipService } = await import('../../src/services/ownership/ownership-service.js');
  const names = async (extensions: Array<'cloudstack'>) => {
    const d = await hostDeps('real-vm', { extensions, libvirt: { uri: 'test:///default' } });
    t.teardown(d.cleanup);
    const ownership = new OwnershipService({ hostState: d.hostState, events: d.events, log: d.log });
    const { features } = await buildFeatures(d, { ownership, agentVersion: '1.2.3' });
    return features.flatMap((f) => f.methods.map((m) => m.name));
  };
  const off = await names([]);
  t.ok(off.includes('discover_server'));
  t.notOk(off.includes('exec_domr') || off.includes('ovs_upload_ssh_key') || off.includes('ping'), 'unknown when off');
  const on = await names(['cloudstack']);
  t.ok(on.includes('exec_domr') && on.includes('ovs_upload_ssh_key') && on.includes('get_vncport'));
  t.equal(new Set(on).size, on.length, 'no name clashes with the stock methods');
});
