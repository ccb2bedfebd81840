// Sandbox mode never runs the machine's mount on a device or network location.
import t from 'tap';
import { SandboxMounter } from '../../../src/host/sandbox-mounter.js';

t.test('devices and NFS are refused, nothing is mounted', async (t) => {
  const m = new SandboxMounter();
  await t.rejects(m.mount({ kind: 'nfs', host: 'file', export: '///etc/passwd', source: 'file:///etc/passwd' }, '/tmp/x'), { code: 'STORAGE_OP_NOT_SUPPORTED', message: /network file systems/ });
  await t.rejects(m.mount({ kind: 'block', device: '/dev/sda1' }, '/tmp/x'), { code: 'STORAGE_OP_NOT_SUPPORTED', message: /devices/ });
  t.equal(await m.isMounted(), false);
});
