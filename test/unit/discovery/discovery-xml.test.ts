// Golden documents of the discovery translators: each test/fixtures/discovery/<case>/ has the
// typed info (input.json) and the exact document (expected.xml). UPDATE_GOLDEN=1 rewrites them.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { hardwareInfoSchema, lunSchema, mountEntrySchema, serverInfoSchema } from '../../../src/core/discovery/host-info.js';
import { serverInfoToXml } from '../../../src/core/discovery/server-xml.js';
import { hardwareInfoToXml } from '../../../src/core/discovery/hardware-xml.js';
import { lunsToXml, mountedFsToXml } from '../../../src/core/discovery/storage-xml.js';

const dir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/discovery');

function render(kind: string, info: unknown): string {
  switch (kind) {
    case 'server':
      return serverInfoToXml(serverInfoSchema.parse(info));
    case 'hardware':
      return hardwareInfoToXml(hardwareInfoSchema.parse(info));
    case 'luns':
      return lunsToXml(lunSchema.array().parse(info));
    case 'mounts':
      return mountedFsToXml(mountEntrySchema.array().parse(info));
    default:
      throw new Error(`unknown kind ${kind}`);
  }
}

const cases = fs.readdirSync(dir).sort();
t.ok(cases.length >= 8, 'golden cases present');
for (const c of cases) {
  t.test(c, async (t) => {
    const { kind, info } = JSON.parse(fs.readFileSync(path.join(dir, c, 'input.json'), 'utf8')) as { kind: string; info: unknown };
    const xml = render(kind, info);
    const golden = path.join(dir, c, 'expected.xml');
    if (process.env.UPDATE_GOLDEN) fs.writeFileSync(golden, xml + '\n');
    t.equal(xml + '\n', fs.readFileSync(golden, 'utf8'));
    t.equal(XMLValidator.validate(xml), true, 'well-formed');
  });
}

// Clients read these with XPath: the element order of Server is part of the contract (the
// order of the real agent answer CloudStack's tests captured).
const SERVER_ORDER = [
  'Unique_Id', 'Boot_Time', 'Date_Time', 'NTP', 'Agent_Version', 'RPM_Version', 'OVM_Version', 'CPU_Type', 'OS_Type',
  'OS_Name', 'OS_Major_Version', 'OS_Minor_Version', 'Hypervisor_Type', 'Hypervisor_Name', 'Host_Kernel_Release',
  'Host_Kernel_Version', 'VMM', 'Pool_Unique_Id', 'Manager_Unique_Id', 'Hostname', 'Registered_IP', 'Node_Number',
  'Server_Roles', 'Is_Current_Master', 'Master_Virtual_Ip', 'Manager_Core_API_Version', 'Membership_State', 'Cluster_State', 'Statistic', 'Exports',
  'Capabilities',
];

t.test('Server lists every wire-api element in order, with parsed values', async (t) => {
  const { info } = JSON.parse(fs.readFileSync(path.join(dir, 'server-pooled', 'input.json'), 'utf8')) as { info: unknown };
  const xml = serverInfoToXml(serverInfoSchema.parse(info));
  const ordered = new XMLParser({ preserveOrder: true, parseTagValue: false }).parse(xml) as Array<Record<string, unknown>>;
  const result = ordered.find((n) => 'Discover_Server_Result' in n)?.Discover_Server_Result as Array<Record<string, unknown>>;
  const server = result[0].Server as Array<Record<string, unknown>>;
  t.same(server.map((n) => Object.keys(n)[0]), SERVER_ORDER);
  const doc = new XMLParser({ parseTagValue: false }).parse(xml);
  const s = doc.Discover_Server_Result.Server;
  t.equal(s.Hostname, 'R&D <ovs1>', 'escaped text reads back');
  t.equal(s.Is_Current_Master, 'true');
  t.equal(s.Membership_State, 'Pooled');
  t.equal(s.Date_Time.UTC, 'False');
  t.equal(s.Capabilities.HVM_MAX_VNICS, '8');
  t.equal(s.Statistic.Interval, '20');
});

t.test('schemas reject an incomplete info object', async (t) => {
  t.throws(() => serverInfoSchema.parse({ uniqueId: 'x' }));
  t.throws(() => serverInfoSchema.parse({}));
});
