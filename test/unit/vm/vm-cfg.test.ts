// vm.cfg syntax and typed view: lossless round trips of the golden cases, minimal edits,
// device-string parsers and the VM rules (names, VNIC limits).
import t from 'tap';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import {
  cfgGet, cfgSet, cfgReplaceAll, objectToVmCfg, textToDisk, textToVfb, textToVif, textToVmCfg,
  vmCfgToModel, vmCfgToObject, vmCfgToText, diskToText, vifToText, vfbToText,
} from '../../../src/core/vm/vm-cfg.js';
import { isAgentError } from '../../../src/core/errors.js';

const FIX = new URL('../../fixtures/vm/', import.meta.url).pathname;
const cases = readdirSync(FIX).filter((c) => existsSync(`${FIX}${c}/vm.cfg`));

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return isAgentError(e) ? e.code : 'non-agent-error';
  }
  return undefined;
}

t.test('golden vm.cfg files round-trip byte for byte', async (t) => {
  t.ok(cases.length >= 3);
  for (const c of cases) {
    const text = readFileSync(`${FIX}${c}/vm.cfg`, 'utf8');
    const doc = textToVmCfg(text);
    t.equal(vmCfgToText(doc), text, c);
    t.doesNotThrow(() => vmCfgToModel(doc), `${c} is a valid VM`);
  }
});

t.test('an edit changes only the edited line; new keys are appended', async (t) => {
  const text = readFileSync(`${FIX}pvhvm-multiline/vm.cfg`, 'utf8');
  const doc = textToVmCfg(text);
  cfgSet(doc, 'memory', 2048);
  cfgSet(doc, 'OVM_high_availability', true);
  cfgSet(doc, 'vcpus', 1); // same value: line kept verbatim
  const out = vmCfgToText(doc);
  const a = text.split('\n');
  const b = out.split('\n');
  const changed = a.slice(0, -1).filter((l, i) => b[i] !== l);
  t.same(changed, ['memory = 1024']);
  t.equal(b[a.indexOf('memory = 1024')], 'memory = 2048');
  t.match(out, /\nOVM_high_availability = True\n$/);
  t.match(out, /# system disk/);
  cfgSet(doc, 'serial', undefined);
  t.notMatch(vmCfgToText(doc), /serial/);
});

t.test('values: quotes, escapes, lists, numbers, Python literals', async (t) => {
  const doc = textToVmCfg(
    `a = 'it\\'s'\nb = "x\\ty"\nc = [1, 2.5, 'z',]\nd = None\ne = True\nf = 'ab' "cd"\ng = 0x10\nh = -3\ni = ('t', 'u')\nj = '\\\\n'\n`,
  );
  t.same(vmCfgToObject(doc), { a: "it's", b: 'x\ty', c: [1, 2.5, 'z'], d: null, e: true, f: 'abcd', g: 16, h: -3, i: ['t', 'u'], j: '\\n' });
  const again = textToVmCfg(vmCfgToText(objectToVmCfg(vmCfgToObject(doc))));
  t.same(vmCfgToObject(again), vmCfgToObject(doc), 'rendered values parse back to the same');
  t.equal(cfgGet(doc, 'a'), "it's");
});

t.test('syntax errors are VM_BAD_CONFIG with a line number', async (t) => {
  for (const bad of ["a = 'open\n", 'a = [1, 2\n', 'just words\n', 'a = foo\n', "a = 'x' y\n"]) {
    t.equal(code(() => textToVmCfg(bad)), 'VM_BAD_CONFIG', JSON.stringify(bad));
  }
  try {
    textToVmCfg("ok = 1\n\nbad = 'x\n");
  } catch (e) {
    t.match((e as Error).message, /line 3/);
  }
});

t.test('a repeated key: the last assignment counts and is the one edited', async (t) => {
  const doc = textToVmCfg('memory = 1\nmemory = 2\n');
  t.equal(cfgGet(doc, 'memory'), 2);
  t.equal(vmCfgToObject(doc).memory, 2);
  cfgSet(doc, 'memory', 3);
  t.equal(vmCfgToText(doc), 'memory = 1\nmemory = 3\n');
  cfgSet(doc, 'memory', undefined);
  t.equal(vmCfgToText(doc), '');
});

t.test('replace-all keeps comments and the order of kept keys', async (t) => {
  const doc = textToVmCfg('# head\nname = "a"\nmemory = 1\n# tail\nvcpus = 1\n');
  cfgReplaceAll(doc, { vcpus: 1, name: 'a', extra: 'x' });
  t.equal(vmCfgToText(doc), '# head\nname = "a"\n# tail\nvcpus = 1\nextra = \'x\'\n');
});

t.test('device strings', async (t) => {
  const rows: Array<[string, unknown]> = [
    ['file:/OVS/Repositories/r/VirtualDisks/d.img,xvda,w', { kind: 'file', path: '/OVS/Repositories/r/VirtualDisks/d.img', dev: 'xvda', cdrom: false, mode: 'w' }],
    ['file:/OVS/Repositories/r/ISOs/x.iso,hdc:cdrom,r', { kind: 'file', path: '/OVS/Repositories/r/ISOs/x.iso', dev: 'hdc', cdrom: true, mode: 'r' }],
    ['phy:/dev/mapper/abc,xvdb,w!', { kind: 'phy', path: '/dev/mapper/abc', dev: 'xvdb', cdrom: false, mode: 'w!' }],
  ];
  for (const [s, want] of rows) {
    t.same(textToDisk(s), want, s);
    t.equal(diskToText(textToDisk(s)), s);
  }
  for (const bad of ['file:rel.img,xvda,w', '/x.img,xvda,w', 'file:/x.img,xvda', 'file:/x.img,eth0,w', 'file:/x.img,xvda,rw']) {
    t.equal(code(() => textToDisk(bad)), 'VM_BAD_CONFIG', bad);
  }
  t.same(textToVif('mac=00:21:F6:00:00:01,bridge=c0a80100'), { mac: '00:21:f6:00:00:01', bridge: 'c0a80100', other: [] });
  t.equal(vifToText(textToVif('type=netfront,mac=00:21:f6:00:00:01,bridge=b,vifname=v1')), 'type=netfront,mac=00:21:f6:00:00:01,bridge=b,vifname=v1');
  t.equal(code(() => textToVif('mac=00:21:f6,bridge=x')), 'VM_BAD_CONFIG');
  const vfb = 'type=vnc,vncunused=1,vnclisten=127.0.0.1,keymap=en-us';
  t.same(textToVfb(vfb), { type: 'vnc', vncunused: true, vnclisten: '127.0.0.1', keymap: 'en-us', other: [] });
  t.equal(vfbToText(textToVfb(vfb)), vfb);
});

t.test('VM rules', async (t) => {
  const base = { name: 'vm-1', uuid: '0004fb00-0006-0000-5b8d-1a2b3c4d5e6f', memory: 512 };
  const vifs = (n: number) => Array.from({ length: n }, (_, i) => `mac=00:21:f6:00:00:${i.toString(16).padStart(2, '0')},bridge=b`);
  const rows: Array<[string, Record<string, unknown>, string | undefined]> = [
    ['ok', {}, undefined],
    ['200-char name', { name: 'a'.repeat(200) }, undefined],
    ['201-char name', { name: 'a'.repeat(201) }, 'VM_INVALID'],
    ['space in name', { name: 'my vm' }, 'VM_INVALID'],
    ['dot in name', { name: 'vm.1' }, 'VM_INVALID'],
    ['8 vnics hvm', { OVM_domain_type: 'hvm', vif: vifs(8) }, undefined],
    ['9 vnics hvm', { OVM_domain_type: 'hvm', vif: vifs(9) }, 'VM_TOO_MANY_VNICS'],
    ['31 vnics pvm', { OVM_domain_type: 'xen_pvm', vif: vifs(31) }, undefined],
    ['32 vnics pvm', { OVM_domain_type: 'xen_pvm', vif: vifs(32) }, 'VM_TOO_MANY_VNICS'],
    ['bad domain type', { OVM_domain_type: 'pv' }, 'VM_UNSUPPORTED_DOMAIN_TYPE'],
    ['no memory', { memory: undefined }, 'VM_BAD_CONFIG'],
    ['maxmem < memory', { maxmem: 256 }, 'VM_BAD_CONFIG'],
    ['dup device', { disk: ['file:/a.img,xvda,w', 'file:/b.img,xvda,w'] }, 'VM_BAD_CONFIG'],
    ['dup mac', { vif: ['mac=00:21:f6:00:00:01', 'mac=00:21:f6:00:00:01'] }, 'VM_BAD_CONFIG'],
    ['bad uuid', { uuid: 'nope' }, 'VM_BAD_CONFIG'],
    ['maxvcpus 0 (CloudStack always sends it): as many as vcpus', { vcpus: 2, maxvcpus: 0 }, undefined],
    ['maxvcpus < vcpus', { vcpus: 2, maxvcpus: 1 }, 'VM_BAD_CONFIG'],
    ['negative maxvcpus', { maxvcpus: -1 }, 'VM_BAD_CONFIG'],
  ];
  for (const [label, over, want] of rows) {
    const obj = Object.fromEntries(Object.entries({ ...base, ...over }).filter(([, v]) => v !== undefined));
    t.equal(code(() => vmCfgToModel(obj as never)), want, label);
  }
  t.equal(vmCfgToModel({ ...base, builder: 'hvm' }).domainType, 'hvm');
  t.equal(vmCfgToModel(base).domainType, 'xen_pvm');
  t.equal(vmCfgToModel({ ...base, OVM_high_availability: true }).ha, true);
});
