// Golden answers against Apache CloudStack's captured real-agent answers: for every answer its
// ovm3 tests hold, test/fixtures/cloudstack/<method>/ has the captured shape (captured.xml,
// re-typed with placeholder values; origin in case.json) beside ours (ours.xml, as our encoder
// writes it). Ours must carry every element, attribute, struct key and value type captured,
// except the listed exemptions. UPDATE_GOLDEN=1 rewrites ours.xml.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { encodeResponse } from '../../src/rpc/codec/index.js';
import { hostDeps } from '../helpers/host-deps.js';
import { HostService } from '../../src/services/host/host-service.js';
import { networkDiscoveryXml } from '../../src/core/net/discovery.js';
import { canonicalize } from '../../src/core/net/canonicalize.js';
import { snapshotToModel } from '../../src/core/net/snapshot-to-model.js';
import type { HostNetSnapshot } from '../../src/host/net/snapshot.js';
import { poolToXml } from '../../src/core/discovery/pool-xml.js';
import { domainToListEntry, managementDomainEntry } from '../../src/services/vm/vm-list.js';
import { textToVmCfg, vmCfgToObject } from '../../src/core/vm/vm-cfg-syntax.js';
import { repoDbToDiscoverXml, reposToDiscoverXml } from '../../src/core/repo/repo-xml.js';
import { missingFrom, responseShape, xmlShape } from '../helpers/wire-shape.js';
import { cloudstackAnswers } from '../helpers/cloudstack-answers.js';
import { cloudstackStorageAnswers, STORAGE_ANSWERS } from '../helpers/cloudstack-storage-answers.js';
import { commonMethods } from '../../src/rpc/methods/common.js';
import { Registry } from '../../src/rpc/registry.js';
import { injector } from '../helpers/inject.js';

const FIX = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../fixtures');
const DIR = path.join(FIX, 'cloudstack');
const read = (...p: string[]) => fs.readFileSync(path.join(FIX, ...p), 'utf8');

const REPO = 'f12842ebf5ed3fe78da1eb0e17f5ede8';
const node = { model: 'x', memoryKiB: 4096 * 1024, cpus: 2, mhz: 1, nodes: 1, sockets: 1, cores: 2, threads: 1 };
const live = () =>
  domainToListEntry(
    { name: 'i-2-3-VM', uuid: '868a6627-c3b0-3d9b-aea4-f279cbaa253b', id: 3, state: 'blocked', maxMemKiB: 524288, memKiB: 524288, vcpus: 1, cpuTimeNs: 5.6e9 },
    read('vm', 'pvm-stock', 'domain-xen.xml').replace("port='-1'", "port='5900'"),
    { repoId: REPO, vmId: '868a6627-c3b0-3d9b-aea4-f279cbaa253b', startTime: 1408105444 },
  );

// One recorded RHEL-like Xen server for every host answer.
const d = await hostDeps('rhel-server');
t.teardown(d.cleanup);

/** Our answer to each method CloudStack's tests captured, produced by the real code paths. */
async function ours(method: string): Promise<unknown> {
  return produce(method, d);
}

async function produce(method: string, d: Awaited<ReturnType<typeof hostDeps>>): Promise<unknown> {
  {
    const host = new HostService({ ...d, agentVersion: '1.2.3' });
    switch (method) {
      case 'discover_server':
        d.hostState.set('manager_uuid', 'd1a749d4295041fb99854f52ea4dea97');
        d.hostState.setJson('pool', { uuid: 'f12842eb-f5ed-3fe7-8da1-eb0e17f5ede8', alias: 'p', virtualIp: '192.168.1.230', nodeNumber: 1, registeredIp: '192.168.1.64', isMaster: true });
        return host.discoverServer();
      case 'discover_hardware':
        return host.discoverHardware();
      case 'discover_mounted_file_systems':
        return host.discoverMountedFileSystems('nfs');
      case 'get_last_boot_time':
        return host.getLastBootTime();
      case 'get_timezone':
        return host.getTimezone();
      case 'get_ntp':
        return host.getNtp();
      case 'discover_network': {
        const wiki = JSON.parse(read('nethost', 'wiki-8023ad', 'expected.json')) as HostNetSnapshot;
        // plus a port-less local bridge, as CloudStack's control0
        const br = wiki.links.find((l) => l.kind === 'bridge');
        if (!br) throw new Error('fixture changed: no bridge');
        const snap = { ...wiki, links: [...wiki.links, { ...br, name: 'control0', ifindex: 999, addresses: [], bridge: { ...br.bridge, ports: [] } }] } as HostNetSnapshot;
        return networkDiscoveryXml(snap, canonicalize(snapshotToModel(snap)), {});
      }
      case 'discover_server_pool':
        return poolToXml({ uuid: 'f12842eb-f5ed-3fe7-8da1-eb0e17f5ede8', alias: 'Pool 0', virtualIp: '192.168.1.230', memberIps: ['192.168.1.64', '192.168.1.65'] });
      case 'list_vms':
        return [managementDomainEntry(node), live()];
      case 'list_vm':
        return live();
      case 'get_vm_config':
        return vmCfgToObject(textToVmCfg(read('cloudstack', 'get_vm_config', 'vm.cfg')));
      case 'discover_repositories':
        return reposToDiscoverXml([
          {
            meta: { uuid: REPO, alias: 'OVS Repository', managerUuid: 'd1a749d4295041fb99854f52ea4dea97', version: '3.0' },
            assemblies: [],
            templates: [{ name: 't1', files: ['t1.raw'] }],
            virtualMachines: [{ name: 'v1', files: ['vm.cfg'] }],
            virtualDisks: ['d1.raw'],
            isos: ['systemvm.iso'],
          },
        ]);
      case 'discover_repository_db':
        return repoDbToDiscoverXml([
          { uuid: REPO, fsLocation: 'cs-mgmt:/volumes/cs-data/primary/ovm', mountPoint: `/OVS/Repositories/${REPO}`, filesystemType: 'nfs', version: '3.0', alias: 'OVS Repository', managerUuid: 'd1a749d4295041fb99854f52ea4dea97', mounted: true },
        ]);
      case 'get_api_version':
      case 'echo':
        return injector(new Registry({ isOwned: () => true }, commonMethods({})))(method, ...(method === 'echo' ? ['put'] : []));
      default:
        return STORAGE_ANSWERS.includes(method) ? cloudstackStorageAnswers(method) : cloudstackAnswers(method);
    }
  }
}

interface Case {
  method: string;
  origin: string;
  exempt: Array<{ path: string; reason: string }>;
}

const cases = fs.readdirSync(DIR).filter((c) => fs.statSync(path.join(DIR, c)).isDirectory()).sort();
t.ok(cases.length >= 24, 'every captured answer has a case');

for (const c of cases) {
  t.test(c, async (t) => {
    const meta = JSON.parse(read('cloudstack', c, 'case.json')) as Case;
    t.ok(meta.origin.includes('apache') || meta.origin.includes('ovm3'), 'origin noted');
    for (const e of meta.exempt) t.ok(e.reason.length > 5, `exemption ${e.path} says why`);
    const body = encodeResponse(await ours(meta.method));
    const file = path.join(DIR, c, 'ours.xml');
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(file, body + '\n');
    t.equal(body + '\n', fs.readFileSync(file, 'utf8'), 'ours.xml is what the agent answers now');
    const captured = responseShape(read('cloudstack', c, 'captured.xml'));
    t.ok(captured.size > 0);
    t.same(missingFrom(responseShape(body), captured, meta.exempt.map((e) => e.path)), [], 'every captured path, key and type is in ours');
  });
}

t.test('the shape comparison notices what a client would miss', async (t) => {
  const cap = xmlShape('<?xml version="1.0" ?><R><A Name="x"><B>1</B></A></R>', '$');
  t.same(missingFrom(xmlShape('<R><A Name="y"><B>2</B><C/></A></R>', '$'), cap), [], 'values and extra elements do not matter');
  t.same(missingFrom(xmlShape('<R><A><B>2</B></A></R>', '$'), cap), ['$/R/A/@Name'], 'a missing attribute');
  t.same(missingFrom(xmlShape('<R><A Name="x"><B><D/></B></A></R>', '$'), cap), ['$/R/A/B: text'], 'a leaf that became a parent');
  const s = (v: string) => responseShape(`<methodResponse><params><param><value>${v}</value></param></params></methodResponse>`);
  t.same(missingFrom(s('<struct><member><name>rc</name><value><int>0</int></value></member></struct>'), s('<struct><member><name>rc</name><value><i8>0</i8></value></member></struct>')), ['$.rc: i8'], '<int> is not <i8>');
  t.same(missingFrom(s('<array><data><value><int>1</int></value></data></array>'), s('<array><data><value><string>1</string></value></data></array>')), ['$[]: string'], 'a number is not a string');
});
