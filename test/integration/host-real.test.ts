// discover_server / discover_hardware against the REAL host (sysroot '/', read-only: the
// Exec is a recorder, so nothing runs and nothing is written) compared with node:os.
import t from 'tap';
import * as os from 'node:os';
import * as fsp from 'node:fs/promises';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { hostDeps } from '../helpers/host-deps.js';
import { HostService } from '../../src/services/host/host-service.js';
import { HostStats } from '../../src/services/host/host-stats.js';
import { realSystemInfo } from '../../src/host/hostinfo/system-info.js';

const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '@', parseTagValue: false, isArray: (n) => n === 'CPU' });

t.test('the real host', async (t) => {
  const d = await hostDeps({ realRoot: true });
  t.teardown(d.cleanup);
  t.equal(d.fs.sysroot, '/');
  d.exec.answers.set('', { code: 1 });
  const h = new HostService({ ...d, agentVersion: '0.0.0-test', si: realSystemInfo() });

  const serverXml = await h.discoverServer();
  t.equal(XMLValidator.validate(serverXml), true);
  const s = parser.parse(serverXml).Discover_Server_Result.Server;
  t.match(s.Unique_Id, /^[0-9a-f]{2}(:[0-9a-f]{2}){15}$/, 'the wire spelling of real agents');
  const btime = Number(/^btime (\d+)/m.exec(await fsp.readFile('/proc/stat', 'utf8'))?.[1]);
  t.equal(Number(s.Boot_Time), btime);
  t.equal(s.Host_Kernel_Release, os.release());
  t.equal(s.Hostname, os.hostname());
  t.equal(s.CPU_Type, os.machine());
  t.ok(s.OS_Name.length > 0, `OS_Name ${s.OS_Name}`);
  t.ok(s.OS_Major_Version.length > 0, `OS_Major_Version ${s.OS_Major_Version}`);
  t.ok(s.Date_Time.Time_Zone.length > 0, `Time_Zone ${s.Date_Time.Time_Zone}`);
  t.equal(s.Membership_State, 'Unowned');
  t.equal(s.Agent_Version, '0.0.0-test');

  const hwXml = await h.discoverHardware();
  t.equal(XMLValidator.validate(hwXml), true);
  const n = parser.parse(hwXml).Discover_Hardware_Result.NodeInformation;
  t.equal(n.CPUInfo.Proc_Info.CPU.length, os.cpus().length);
  const p = n.VMM.PhysicalInfo;
  t.equal(Number(p.ThreadsPerCore) * Number(p.CoresPerSocket) * Number(p.SocketsPerNode) * Number(p.Nodes), os.cpus().length, 'topology multiplies out to the CPU count');
  t.equal(Math.abs(Number(p.TotalPages) * 4096 - os.totalmem()) < 4096, true, 'TotalPages × 4096 = total memory');
  t.ok(Number(p.CPUKHz) > 0, `CPUKHz ${p.CPUKHz}`);
  t.ok(String(n.CPUInfo.Proc_Info.CPU[0].model_name).length > 0 || String(n.CPUInfo.Proc_Info.CPU[0].vendor_id).length > 0, 'cpuinfo key names, as real agents');

  const space = await h.getSystemDiskSpace();
  const real = await fsp.statfs('/');
  t.equal(space.total, real.blocks * real.bsize);

  const stats = await new HostStats(d).collectHostStats();
  t.equal(stats.cpu.count, os.cpus().length);
  t.ok(stats.network.lo, 'loopback counted');
  t.same(d.exec.calls.filter((c) => !['chronyc', 'systemctl'].includes(c[0])), [], 'only read-only probes were asked for');
});
