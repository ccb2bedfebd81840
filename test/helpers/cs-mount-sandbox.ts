// `hvagent serve --sandbox DIR` with the test-only BindMounter instead of the sandbox's refusing
// one (the CloudStack order tier's agent): HS_NFS_HOST / HS_NFS_EXPORT name the test NFS server
// and its exported directory, DIR/mounts.jsonl receives the mount(8) argv. The sysroot's proc is
// a directory of links to /proc whose `mounts` the mounter keeps (the sandbox links proc whole).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { run } from '../../src/cli/commands/serve.js';
import { BindMounter } from './bind-mounter.js';

const argv = process.argv.slice(2);
const dir = path.resolve(argv[argv.indexOf('--sandbox') + 1]);
const proc = path.join(dir, 'root/proc');
if (!fs.existsSync(proc)) {
  fs.mkdirSync(proc, { recursive: true });
  for (const e of fs.readdirSync('/proc')) if (!/^\d+$/.test(e) && e !== 'mounts') fs.symlinkSync(`/proc/${e}`, path.join(proc, e));
}
const mounter = new BindMounter({
  record: path.join(dir, 'mounts.jsonl'),
  sysroot: path.join(dir, 'root'),
  nfsHost: process.env.HS_NFS_HOST ?? '',
  exportDir: process.env.HS_NFS_EXPORT ?? '',
});
run(argv, { mounter, mounts: mounter.mounts }).then(
  (code) => (process.exitCode = code),
  (e) => {
    process.stderr.write(`cs-mount-sandbox: ${String(e)}\n`);
    process.exit(1);
  },
);
