// Apache CloudStack's ovm3 plugin bringing a host up, in its own order (discovery → roles →
// ownership → network → repository → storage → pool and cluster → VM life cycle → release),
// against the sandbox agent over HTTPS with the real codec, with CloudStack's argument shapes,
// each answer read the way CloudStack's parsers read it (xmlToMap, casts to Long/String/Boolean).
// The repository and the storage plugin's file system are on a real NFS server (nfs-ganesha in
// a namespace of the test); the kernel has no NFS client, so the agent's mounter is a test one
// that records mount(8)'s argv and bind-mounts the exported directory.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempDir } from '../helpers/service-kit.js';
import { repo as repoRoot, startSandbox } from '../helpers/sandbox.js';
import { csCaller, select, serveFile, typeAt, xmlToMap } from '../helpers/cloudstack-wire.js';
import { ganeshaUnavailable, onExitSync, startGanesha, NFS_ADDR } from '../helpers/ganesha-harness.js';
import { unmountAllUnder } from '../helpers/bind-mounter.js';
import { poolSteps, releaseStorage, storageSteps, type StorageCtx } from '../helpers/cloudstack-storage-steps.js';

const canNetns = process.getuid?.() === 0 && spawnSync('ip', ['netns', 'list']).status === 0;
const MANAGER = 'd1a749d4295041fb99854f52ea4dea97'; // CloudStack's agentOwnedByUuid form
const PRIMARY = 'f12842eb-f5ed-3fe7-8da1-eb0e17f5ede8'; // a CloudStack storage pool uuid: dashed
const REPO = PRIMARY.replace(/-/g, ''); // CloudStack's deDash for the repository
const VM = 'i-2-3-VM';
const VMID = '868a6627-c3b0-3d9b-aea4-f279cbaa253b';

t.test('CloudStack brings a host up and down in its own order', async (t) => {
  const dir = tempDir('hvk-cs-');
  // cluster.stack none: the pool runs on the shared NFS directory (no OCFS2 kernel here).
  fs.writeFileSync(path.join(dir, 'agent.yaml'), 'extensions: [cloudstack]\novmVersion: 3.3.1\ncluster:\n  stack: none\n');
  const noNfs = canNetns ? ganeshaUnavailable() : 'needs root and ip netns';
  if (noNfs) t.comment(`NFS repository, storage and pool FS steps skipped: ${noNfs}`);
  const nfs = noNfs ? undefined : await startGanesha();
  const env: Record<string, string> = nfs ? { HS_NFS_HOST: NFS_ADDR, HS_NFS_EXPORT: nfs.exportDir } : {};
  const sb = await startSandbox(t, dir, env, path.join(repoRoot, 'test/helpers/cs-mount-sandbox.ts'));
  // SIGTERM: the agent removes its namespace (startSandbox's teardown stops it too); what it
  // left mounted (the repository, as a CloudStack host keeps it) goes before the directory.
  const forget = onExitSync(() => unmountAllUnder(dir)); // killed by tap's timeout: no teardown
  t.teardown(async () => {
    await sb.stop();
    unmountAllUnder(dir);
    forget();
    await nfs?.cleanup();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const { call, close } = csCaller(sb);
  t.teardown(close);
  if (nfs) {
    // The server's veth peer moves into the agent's namespace: showmount there reaches it.
    for (const a of [['-n', nfs.netns, 'link', 'set', 'hvsb', 'netns', sb.netns], ['-n', sb.netns, 'addr', 'add', '192.0.2.11/24', 'dev', 'hvsb'], ['-n', sb.netns, 'link', 'set', 'hvsb', 'up']]) {
      const r = spawnSync('ip', a, { encoding: 'utf8' });
      if (r.status !== 0) throw new Error(`ip ${a.join(' ')}: ${r.stderr}`);
    }
  }

  // 1. Discovery (Linux.discoverServer / discoverHardware, Ovm3HypervisorSupport.fillHostInfo)
  const server = (await call('discover_server')).value as string;
  const s = xmlToMap(server, 'Discover_Server_Result/Server');
  t.match(s.OVM_Version, /^3\.[23]\./, 'fillHostInfo accepts only 3.2.x and 3.3.x');
  t.equal(s.Membership_State, 'Unowned');
  t.ok(s.Hostname, 'getHostName');
  t.ok(xmlToMap(server, 'Discover_Server_Result/Server/VMM').Capabilities !== undefined, 'getCapabilities');
  t.ok(xmlToMap(server, 'Discover_Server_Result/Server/Capabilities').MAX_CONCURRENT_MIGRATION_IN);
  const hw = (await call('discover_hardware')).value as string;
  const phys = xmlToMap(hw, 'Discover_Hardware_Result/NodeInformation/VMM/PhysicalInfo');
  for (const k of ['CPUKHz', 'SocketsPerNode', 'ThreadsPerCore', 'CoresPerSocket']) t.ok(Number.isInteger(Number(phys[k])), `Integer.valueOf(${k})`);
  t.ok(Number(phys.TotalPages) * 4096 > 0 && Number(phys.FreePages) >= 0, 'getMemory / getFreeMemory');
  t.ok('UUID' in xmlToMap(hw, 'Discover_Hardware_Result/NodeInformation/DMTF/System'), 'hwSystemInfo UUID');
  const boot = await call('get_last_boot_time');
  t.equal(typeAt(boot, '$.last_boot_time'), 'i8', 'getLastBootTime casts to Long');
  t.equal(typeAt(boot, '$.local_time'), 'i8');

  // configure(): setupServer uploads the system VM key, configureNetworking makes the control
  // bridge and its route, all before prepareForPool takes ownership.
  t.equal((await call('ovs_upload_ssh_key', 'id_rsa.cloud', '-----BEGIN RSA PRIVATE KEY-----\nxx\n')).value, true, 'nullIsFalse: a value');
  if (canNetns) {
    const start = (await call('ovs_local_config', 'start', 'control0')).value as string;
    t.ok(start.startsWith('start'), 'startOvsLocalConfig: (String) … startsWith("start")');
    const net = (await call('discover_network')).value as string;
    t.equal(select(net, "Discover_Network_Result/Network/Active/Bridges/Device[@Name='control0']").length, 1, 'getInterfaceByName finds it');
    t.equal((await call('ovs_control_interface', 'control0', '169.254.0.1/16')).value, true);
  } else {
    t.comment('control network steps skipped: need root and ip netns');
  }

  // 2. Roles, before ownership (Ovm3StoragePool.prepareForPool → Pool.setServerRoles)
  t.equal((await call('update_server_roles', 'xen,utility')).value, null);

  // 3. Ownership in the 3.3 form CloudStack sends for a 3.3.x host (takeOwnership33x)
  t.equal(
    (await call('take_ownership', { manager_uuid: MANAGER, manager_event_url: 'http://localhost:10024/event', manager_statistic_url: 'http://localhost:10024/stats', manager_certificate: 'None', signed_server_certificate: 'None' })).value,
    null,
  );
  const owned = xmlToMap((await call('discover_server')).value as string, 'Discover_Server_Result/Server');
  t.same([owned.Membership_State, owned.Manager_Unique_Id, owned.Server_Roles], ['Owned', MANAGER, 'xen,utility']);

  // The agent module, as the resources use it
  t.equal((await call('ovs_check_file', '/root/.ssh/id_rsa.cloud')).value, true);
  t.equal((await call('check_dom0_ip', '192.0.2.99')).value, false, 'dom0HasIp casts to Boolean');
  t.equal((await call('check_dom0_port', '127.0.0.1', Number(new URL(sb.info.url).port), 2)).value, true, 'the agent port answers');
  await t.rejects(call('exec_domr', '192.168.1.1', 'ls'), /FORBIDDEN/, 'no command to an address that is not a local router');
  t.notMatch(sb.output() + fs.readFileSync(path.join(dir, 'root/var/log/hvagent/agent.log'), 'utf8'), 'BEGIN RSA', 'the key never reaches a log');

  // 4. Network (Ovm3HypervisorNetwork.getNetwork): the bridges CloudStack looks up by name/IP
  if (canNetns) {
    const br = (await call('ovs_br_config', 'start', 'xenbr0', 'eth1')).value as string;
    t.ok(br.startsWith('start'), 'startOvsBrConfig: (String) … startsWith("start")');
    const net = (await call('discover_network')).value as string;
    const b = 'Discover_Network_Result/Network/Active/Bridges/Device';
    t.equal(xmlToMap(net, `${b}[@Name='xenbr0']/Interfaces`).PhyInterface, 'eth1', 'getPhysicalByBridgeName, as createVlanBridge asks');
    // createVlanBridge's ovs_vlan_bridge needs the 8021q module, absent on this kernel: its
    // command sequence is covered by the network tests against recorded hosts.
    t.equal(xmlToMap(net, `${b}[@Name='control0']/Interfaces`).PhyInterface, undefined, 'control0 is a Local bridge');
    t.ok(xmlToMap(net, `${b}[@Name='control0']/Family`).MAC, 'Family MAC');
    t.equal(select(net, `${b}/Family`).length, select(net, b).length, 'one Family per bridge: CloudStack keeps the last');
  }

  // 5. Repository (Ovm3StoragePool.createRepo, Repository.discoverRepo): host:/path on the NFS
  // server, mounted first (mountRepoFs), then added or, not a repository yet, created.
  const mnt = `/OVS/Repositories/${REPO}`;
  const loc = nfs ? `${NFS_ADDR}:${nfs.exportDir}` : '/data/primary';
  const backing = nfs ? nfs.exportDir : path.join(dir, 'root/data/primary');
  if (nfs) t.equal((await call('mount_repository_fs', loc, mnt)).value, null, 'mountRepoFs');
  await t.rejects(call('add_repository', loc, mnt), 'not a repository yet: CloudStack then creates it');
  t.equal((await call('create_repository', loc, mnt, REPO, 'OVS Repository')).value, null, 'createRepo on the mounted file system');
  t.ok(fs.existsSync(path.join(backing, '.ovsrepo')), 'the repository is on the export');
  const repos = (await call('discover_repositories', REPO)).value as string;
  const rp = `Discover_Repositories_Result/RepositoryList/Repository[@Name='${REPO}']`;
  t.same(xmlToMap(repos, rp).Repository_Alias, 'OVS Repository');
  t.equal((await call('ovs_mkdirs', `${mnt}/Templates/201`)).value, null, 'nullIsTrue');
  const img = Buffer.alloc(64 * 1024, 7);
  const base = await serveFile(t, img);
  t.equal((await call('import_virtual_disk', `${base}/disk.raw`, '722eb520-dcf5-4113-8f45-22d67c9a2f3c.raw', REPO, '')).value, null, 'nil once the disk is there');
  t.equal(fs.statSync(path.join(backing, 'VirtualDisks/722eb520-dcf5-4113-8f45-22d67c9a2f3c.raw')).size, img.length);
  const job = (await call('ovs_async_proc', 'import_virtual_disk', `${base}/d2.raw`, 'd2.raw', REPO, '')).value as string;
  t.type(job, 'string', 'ours: the same import as a job');
  let st: Record<string, unknown> = {};
  for (let i = 0; i < 200 && (st = (await call('ovs_async_proc_status', job)).value as Record<string, unknown>).state === 'running'; i++) await new Promise((r) => setTimeout(r, 25));
  t.equal(st.state, 'done');

  // 6. Storage (setupNfsStorage, prepareSecondaryStorageStore, ModifyStoragePool's sizes,
  // createVolume / deleteVolume) and 7. pool and cluster (setupPool, addMembers, Cluster).
  const ctx: StorageCtx = { host: NFS_ADDR, path: nfs?.exportDir ?? '', primary: PRIMARY, repo: REPO, manager: MANAGER, hostname: s.Hostname, ip: '192.168.1.64', vip: '192.168.1.230', exportDir: nfs?.exportDir ?? '' };
  if (nfs) {
    await storageSteps(t, call, ctx);
    await poolSteps(t, call, ctx);
  } else {
    t.equal((await call('create_server_pool', '127.0.0.1:/data/primary', PRIMARY, '192.168.1.230', 1, s.Hostname, '192.168.1.64', 'xen,utility')).value, null);
    const sp = xmlToMap((await call('discover_server_pool')).value as string, 'Discover_Server_Pool_Result/Server_Pool');
    t.equal(sp.Unique_Id, PRIMARY, 'Pool.isInPool compares with the dashed id it sent');
    t.ok(sp.Master_Virtual_Ip && sp.Primary_Virtual_Ip, 'both spellings CloudStack releases read');
  }

  if (canNetns) {
    // The pool master's virtual IP beside the host's own address on its bridge (set here as the
    // host's configuration would have it): CloudStack keeps the last Family of a device and must
    // still find the host's own address there (Ovm3HypervisorSupport on the master).
    const r = spawnSync('ip', ['-n', sb.netns, 'addr', 'add', '192.168.1.64/24', 'dev', 'xenbr0'], { encoding: 'utf8' });
    t.equal(r.status, 0, r.stderr);
    t.equal((await call('configure_virtual_ip', '192.168.1.230', '192.168.1.64')).value, null);
    const net = (await call('discover_network')).value as string;
    const b = "Discover_Network_Result/Network/Active/Bridges/Device[@Name='xenbr0']/Family";
    t.equal(select(net, b).length, 1, 'one Family on the bridge');
    t.equal(xmlToMap(net, b).Address, '192.168.1.64', "getInterfaceByIp finds the host's own address");
    t.equal((await call('deconfigure_virtual_ip', '192.168.1.230')).value, null);
  }

  // 8. VM life cycle (Xen.createVm with Xen.Vm's params: maxvcpus 0, vif/disk/vfb strings)
  const params = {
    name: VM, OVM_simple_name: VM, uuid: VMID, memory: 512, maxmem: 512, vcpus: 1, maxvcpus: 0, OVM_domain_type: 'hvm',
    on_poweroff: 'destroy', on_reboot: 'restart', on_crash: 'restart', cpu_weight: 27500, cpu_cap: 0, extra: '', bootargs: '',
    vif: ['mac=02:00:50:9a:00:01,bridge=xenbr0'], disk: [`file:${mnt}/VirtualDisks/722eb520-dcf5-4113-8f45-22d67c9a2f3c.raw,xvda,w`],
    vfb: ['type=vnc,vncunused=1,vnclisten=0.0.0.0,keymap=en-us'],
  };
  t.equal((await call('create_vm', REPO, VMID, params)).value, null);
  t.equal((await call('configure_vm_ha', REPO, VMID, true)).value, null);
  t.equal((await call('start_vm', REPO, VMID)).value, null);
  const vms = (await call('list_vms')).value as Array<Record<string, unknown>>;
  const dom = vms.find((v) => v.name === VM);
  t.ok(dom, 'listVms keys by (String) name');
  t.ok(vms.some((v) => v.name === 'Domain-0'), 'the control domain');
  for (const k of ['state', 'domid', 'memory', 'vcpus', 'uuid']) t.type(dom?.[k], 'string', `${k} is a String`);
  t.equal((await call('list_vm', REPO, VMID)).value !== null, true, 'listVm: a struct while running');
  const cfg = (await call('get_vm_config', REPO, VMID)).value as Record<string, unknown>;
  t.ok(Array.isArray(cfg.vif) && Array.isArray(cfg.disk) && Array.isArray(cfg.vfb), 'getVmConfig copies vif/disk/vfb as String[]');
  t.type((await call('get_vncport', VM)).value, 'string', 'CloudStackPlugin.getVncPort casts to String');
  t.equal((await call('stop_vm', REPO, VMID, true)).value, null);
  t.equal((await call('list_vm', REPO, VMID)).value, null, 'listVm: nil when stopped');
  t.equal((await call('delete_vm', REPO, VMID)).value, null);

  // 9. Release (DeleteStoragePoolCommand → leave_server_pool; the pool FS and the plugin's
  // mount as PoolOCFS2 / StoragePlugin undo them), then ownership
  if (nfs) await releaseStorage(t, call, ctx);
  else t.equal((await call('leave_server_pool', PRIMARY)).value, null);
  t.equal((await call('release_ownership', MANAGER)).value, null);
  t.equal(xmlToMap((await call('discover_server')).value as string, 'Discover_Server_Result/Server').Membership_State, 'Unowned');
  const code = await sb.stop();
  t.equal(code, 0, 'the agent stops cleanly');
  if (code !== 0) t.comment(sb.output());
  if (nfs) {
    // What the agent had mount(8) do: the repository, the plugin's file system, the pool FS's export.
    const argv = fs.readFileSync(path.join(dir, 'mounts.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as string[]);
    const root = path.join(dir, 'root');
    t.same(
      argv.filter((a) => a[0] === 'mount').map((a) => [a.slice(0, 3), a.at(-2), a.at(-1)]),
      [
        [['mount', '-t', 'nfs'], loc, `${root}${mnt}`],
        [['mount', '-t', 'nfs'], `${loc}/VirtualMachines`, `${root}/nfsmnt/${PRIMARY}`],
        [['mount', '-t', 'nfs'], `${loc}/VirtualMachines`, `${root}/nfsmnt/${REPO}`],
      ],
      'mount -t nfs [-o …] host:/export dir, once each',
    );
    const umounts = argv.filter((a) => a[0] === 'umount').map((a) => a.at(-1));
    t.ok([`${root}/nfsmnt/${PRIMARY}`, `${root}/nfsmnt/${REPO}`].every((d) => umounts.includes(d)), 'the plugin\'s and the pool FS\'s exports unmounted');
    const left = fs.readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1]).filter((d) => d?.startsWith(root + '/'));
    t.same(left, [`${root}${mnt}`], 'only the repository stays mounted, as on a CloudStack host');
  }
});
