// vm.cfg → domain XML goldens for Xen, KVM and the test driver, and the way back.
import t from 'tap';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { textToVmCfg, vmCfgToObject } from '../../../src/core/vm/vm-cfg.js';
import { domainXmlToVmCfg, domainXmlVncPort, hypervisorKindOfUri, vmCfgToDomainXml } from '../../../src/core/vm/domain-xml.js';
import { isAgentError } from '../../../src/core/errors.js';

const FIX = new URL('../../fixtures/vm/', import.meta.url).pathname;
const cases = readdirSync(FIX).filter((c) => existsSync(`${FIX}${c}/vm.cfg`));

t.test('domain XML goldens', async (t) => {
  for (const c of cases) {
    const doc = textToVmCfg(readFileSync(`${FIX}${c}/vm.cfg`, 'utf8'));
    for (const h of ['xen', 'kvm', 'test'] as const) {
      const file = `${FIX}${c}/domain-${h}.xml`;
      if (!existsSync(file)) {
        t.throws(() => vmCfgToDomainXml(doc, { hypervisor: h }), { code: 'VM_UNSUPPORTED_DOMAIN_TYPE' }, `${c} on ${h} is refused`);
        continue;
      }
      t.equal(vmCfgToDomainXml(doc, { hypervisor: h }), readFileSync(file, 'utf8'), `${c} ${h}`);
    }
  }
});

t.test('Xen XML translates back to the same vm.cfg keys', async (t) => {
  for (const c of cases) {
    const orig = vmCfgToObject(textToVmCfg(readFileSync(`${FIX}${c}/vm.cfg`, 'utf8')));
    const back = domainXmlToVmCfg(readFileSync(`${FIX}${c}/domain-xen.xml`, 'utf8'));
    for (const [k, v] of Object.entries(orig)) {
      if (k === 'vif') continue; // options libvirt has no place for (type=netfront) are dropped
      t.same(back[k], v, `${c}: ${k}`);
    }
    t.same((back.vif as string[]).map((s) => s.replace(/,type=\w+/, '')), (orig.vif as string[]).map((s) => s.replace(/,type=\w+/, '')), `${c}: vif`);
  }
});

t.test('xen_pvm on KVM is a clear fault', async (t) => {
  const doc = textToVmCfg(readFileSync(`${FIX}pvm-stock/vm.cfg`, 'utf8'));
  try {
    vmCfgToDomainXml(doc, { hypervisor: 'kvm' });
    t.fail('should throw');
  } catch (e) {
    t.ok(isAgentError(e));
    t.match((e as Error).message, /xen_pvm.*KVM/);
  }
});

t.test('TCG, emulator, VNC port, escaping, uri kinds', async (t) => {
  const doc = textToVmCfg("name = 'a'\nuuid = '6b3c1a209e1f4c558a770123456789ab'\nmemory = 64\nOVM_domain_type = 'hvm'\nOVM_simple_name = '<x & \"y\">'\nvfb = ['type=vnc,vncdisplay=3,vncunused=0']\n");
  const x = vmCfgToDomainXml(doc, { hypervisor: 'kvm', accel: 'tcg', emulator: '/usr/bin/qemu-system-x86_64' });
  t.match(x, /^<domain type='qemu'>/);
  t.match(x, /<emulator>\/usr\/bin\/qemu-system-x86_64<\/emulator>/);
  t.match(x, /<uuid>6b3c1a20-9e1f-4c55-8a77-0123456789ab<\/uuid>/);
  t.match(x, /<title>&lt;x &amp; &quot;y&quot;&gt;<\/title>/);
  t.match(x, /port='5903' autoport='no'/);
  t.equal(domainXmlToVmCfg(x).OVM_simple_name, '<x & "y">');
  t.equal(domainXmlVncPort(x), 5903);
  t.equal(domainXmlVncPort(x.replace("port='5903'", "port='-1'")), undefined);
  t.same(['xen:///system', 'qemu:///system', 'test:///default', 'qemu+ssh://h/system'].map(hypervisorKindOfUri), ['xen', 'kvm', 'test', 'kvm']);
});

t.test('migration destinations', async (t) => {
  const { migrationDestToUri } = await import('../../../src/core/vm/migration-uri.js');
  const ok: Array<[string, boolean, 'xen' | 'kvm', string]> = [
    ['host2', false, 'kvm', 'qemu+tcp://host2/system'],
    ['10.0.0.2', true, 'kvm', 'qemu+tls://10.0.0.2/system'],
    ['fe80::1', false, 'xen', 'xen+tcp://[fe80::1]/system'],
    ['qemu+ssh://h2/system', false, 'kvm', 'qemu+ssh://h2/system'],
    ['qemu+unix:///session?socket=/tmp/x/libvirt-sock', false, 'kvm', 'qemu+unix:///session?socket=/tmp/x/libvirt-sock'],
  ];
  for (const [dest, ssl, kind, want] of ok) t.equal(migrationDestToUri(dest, ssl, kind), want, dest);
  for (const bad of ['qemu+ext:///system?command=/bin/sh', 'qemu+ssh://h/system?netcat=x', 'a b', 'h;rm', 'http://h/', '']) {
    t.throws(() => migrationDestToUri(bad, false, 'kvm'), { code: 'INVALID_ARGUMENT' }, JSON.stringify(bad));
  }
});
