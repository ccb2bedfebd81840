// Every golden domain XML (Xen, KVM, test driver) validates against libvirt's own RelaxNG
// schema through virt-xml-validate (libvirt-clients + libxml2-utils); skipped without them.
import t from 'tap';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIX = new URL('../fixtures/vm/', import.meta.url).pathname;
const have = (bin: string) => spawnSync('sh', ['-c', `command -v ${bin}`]).status === 0;
const reason = !have('virt-xml-validate') || !have('xmllint') ? 'virt-xml-validate or xmllint missing (apt-get install libvirt-clients libxml2-utils)' : undefined;

t.test('golden domain XML validates against the libvirt schema', { skip: reason }, async (t) => {
  const files = readdirSync(FIX)
    .filter((c) => existsSync(`${FIX}${c}/vm.cfg`))
    .flatMap((c) => readdirSync(`${FIX}${c}`).filter((f) => f.startsWith('domain-')).map((f) => `${FIX}${c}/${f}`));
  t.ok(files.length >= 8, `${files.length} files`);
  for (const f of files) {
    const r = spawnSync('virt-xml-validate', [f, 'domain'], { encoding: 'utf8' });
    t.equal(r.status, 0, `${f.slice(FIX.length)}: ${(r.stdout + r.stderr).trim().slice(-300)}`);
  }
  // The check can fail: an element libvirt does not know is refused.
  const dir = mkdtempSync(join(tmpdir(), 'hvagent-schema-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  writeFileSync(join(dir, 'bad.xml'), readFileSync(files[0], 'utf8').replace('<clock ', '<nonsense/><clock '));
  t.not(spawnSync('virt-xml-validate', [join(dir, 'bad.xml'), 'domain']).status, 0, 'an invalid domain fails validation');
});
