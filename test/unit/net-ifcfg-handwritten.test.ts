// Hand-written ifcfg files: the Oracle VM wiki's bonded trunk (seed 003) parses to the same model
// one setup_networks call builds, and hvagent's files carry the wiki's keys and values (with the
// documented deviations); quirky files (quotes, comments, export, aliases, backups) parse right.
import t from 'tap';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { canonicalize } from '../../src/core/net/canonicalize.js';
import { ifcfgToModel, parseShellVars } from '../../src/core/net/ifcfg-parse.js';
import { ifcfgFilesFor, IFCFG_DIR } from '../../src/core/net/ifcfg-render.js';
import { setupNetworks, networksArgSchema, bondingsArgSchema } from '../../src/core/net/setup-networks.js';
import { snapshotToModel } from '../../src/core/net/snapshot-to-model.js';
import type { HostNetSnapshot } from '../../src/host/net/snapshot.js';

const FIX = join(import.meta.dirname, '../fixtures');

function readDir(dir: string): Record<string, string> {
  return Object.fromEntries(readdirSync(dir).filter((f) => f !== 'README.md').map((f) => [f, readFileSync(join(dir, f), 'utf8')]));
}

function trunkModel() {
  const snap = JSON.parse(readFileSync(join(FIX, 'net/bonded-trunk/current.json'), 'utf8')) as HostNetSnapshot;
  const req = JSON.parse(readFileSync(join(FIX, 'net/bonded-trunk/desired.json'), 'utf8'));
  return setupNetworks(canonicalize(snapshotToModel(snap)), networksArgSchema.parse(req.networks), bondingsArgSchema.parse(req.bondings));
}

t.test('the wiki trunk parses to the model setup_networks builds', async (t) => {
  const wiki = canonicalize(ifcfgToModel(readDir(join(FIX, 'net-handwritten/wiki-trunk'))));
  const ours = trunkModel();
  const strip = (m: typeof ours) => {
    const c = structuredClone(m.ifaces);
    for (const i of Object.values(c)) if (i.kind === 'port') delete i.hwaddr;
    return c;
  };
  t.same(strip(wiki), strip(ours), 'bond0(eth0,eth1) 802.3ad miimon 100, bond0.50/51/100, bridges vlan50/51/100, 10.1.1.101/24 on vlan100');
});

// Deviations, also stated in the README: the wiki marks bond slaves BOOTPROTO=static (with no
// address, i.e. no address at all): we write none; HWADDR is a placeholder there and the real MAC
// here; the wiki puts the management address on the alias vlan100:1, we put it on the bridge.
const DEVIATIONS: Record<string, string[]> = {
  'ifcfg-eth0': ['BOOTPROTO', 'HWADDR'],
  'ifcfg-eth1': ['BOOTPROTO', 'HWADDR'],
  'ifcfg-vlan100': ['BOOTPROTO'],
};

t.test('our files carry the keys and values of the wiki files', async (t) => {
  const ours = trunkModel();
  const wiki = readDir(join(FIX, 'net-handwritten/wiki-trunk'));
  for (const [file, text] of Object.entries(wiki)) {
    const wvars = parseShellVars(text);
    if (file === 'ifcfg-vlan100:1') {
      const mine = parseShellVars(ifcfgFilesFor(ours, 'vlan100')[`${IFCFG_DIR}/ifcfg-vlan100`]);
      for (const k of ['BOOTPROTO', 'ONBOOT', 'IPADDR', 'NETMASK']) t.equal(mine[k], wvars[k], `vlan100 (for the alias) ${k}`);
      continue;
    }
    const dev = file.replace(/^ifcfg-/, '');
    const rendered = ifcfgFilesFor(ours, dev)[`${IFCFG_DIR}/${file}`];
    t.ok(rendered, `we write ${file}`);
    const mine = parseShellVars(rendered);
    for (const [k, v] of Object.entries(wvars)) {
      if (DEVIATIONS[file]?.includes(k)) continue;
      t.equal(mine[k], v, `${file} ${k}=${v}`);
    }
  }
  const eth0 = parseShellVars(ifcfgFilesFor(ours, 'eth0')[`${IFCFG_DIR}/ifcfg-eth0`]);
  t.equal(eth0.BOOTPROTO, 'none');
  t.equal(eth0.HWADDR, '00:14:5e:c0:ff:ee');
  t.equal(eth0.NM_CONTROLLED, 'no');
});

t.test('quirky hand-written files', async (t) => {
  const m = ifcfgToModel(readDir(join(FIX, 'net-handwritten/quirks')));
  t.same(m.ifaces.eth2, {
    name: 'eth2',
    kind: 'port',
    mtu: 9000,
    ip: { proto: 'static', address: '192.168.10.5', prefix: 24, gateway: '192.168.10.1' },
    hwaddr: '52:54:00:aa:bb:cc',
  }, 'export, quotes, trailing comments, blank lines; the .bak copy is ignored');
  t.same(m.ifaces.eth3.ip, { proto: 'dhcp' });
  t.same(m.ifaces['eth3.7'], { name: 'eth3.7', kind: 'vlan', parent: 'eth3', id: 7, mtu: 1500, ip: { proto: 'none' } });
  t.same(m.ifaces.br1, {
    name: 'br1',
    kind: 'bridge',
    mtu: 1500,
    ip: { proto: 'none' },
    ports: ['eth3.7'],
    mac: '52:54:00:00:00:01',
    meta: 'ethernet:c0a80a00{192.168.10.0}:VIRTUAL_MACHINE,STORAGE:',
  });
  t.same(parseShellVars(`A="x y" # c\nB='q # r'\n# C=1\nD=a\\ b`), { A: 'x y', B: 'q # r', D: 'a\\' });
});
