// Storage Connect through the real sandbox agent and `hvagent call`: the plugin discovery XML
// on the wire, faults with their stable codes for unknown plugins, unsupported operations and
// bad paths, and the START/FINISH lines of storage.log without the admin password.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { tempDir } from '../helpers/service-kit.js';
import { startSandbox, hv } from '../helpers/sandbox.js';

t.test('storage plugins through the sandbox agent', async (t) => {
  const dir = tempDir('hvagent-sbs-');
  const sb = await startSandbox(t, dir);
  t.teardown(async () => {
    await sb.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const xml = hv(dir, 'call', 'discover_storage_plugins');
  t.equal(xml.status, 0, xml.stderr);
  for (const name of ['oracle.generic.NFSPlugin.GenericNFSPlugin', 'oracle.ocfs2.OCFS2.OCFS2Plugin']) t.ok(xml.stdout.includes(`plugin_impl_name="${name}"`), name);

  const nf = hv(dir, 'call', 'storage_plugin_getFileSystemInfo', 'no.such.Plugin', '{}', '{}');
  t.not(nf.status, 0);
  t.match(nf.stderr + nf.stdout, /STORAGE_PLUGIN_NOT_FOUND: no storage plugin named "no\.such\.Plugin"/);

  const unowned = hv(dir, 'call', 'storage_plugin_startPresent', 'oracle.generic.NFSPlugin.GenericNFSPlugin', '{}', '{}');
  t.match(unowned.stderr + unowned.stdout, /NOT_OWNED/, 'changes need an owner');
  t.equal(hv(dir, 'call', 'take_ownership', '0004fb0000020000ba9aaf00ae5e2d73').status, 0);
  const ns = hv(dir, 'call', 'storage_plugin_startPresent', 'oracle.generic.NFSPlugin.GenericNFSPlugin', '{}', '{}');
  t.match(ns.stderr + ns.stdout, /STORAGE_OP_NOT_SUPPORTED: operation startPresent is not supported by oracle\.generic\.NFSPlugin\.GenericNFSPlugin/);
  const bad = hv(dir, 'call', 'storage_plugin_createFileSystem', 'oracle.ocfs2.OCFS2.OCFS2Plugin', '{"admin_passwd":"sandbox-secret-pw"}', '{}', '/dev/../etc/passwd', '{}');
  t.match(bad.stderr + bad.stdout, /STORAGE_BAD_PATH: backing_device must be a clean absolute path/);
  const log = fs.readFileSync(path.join(dir, 'root/var/log/hvagent/storage.log'), 'utf8');
  t.match(log, /START call=\S+ plugin=oracle\.ocfs2\.OCFS2\.OCFS2Plugin op=createFileSystem/);
  t.match(log, /FINISH .*op=createFileSystem .*result=error code=STORAGE_BAD_PATH/);
  t.notMatch(log, /sandbox-secret-pw/, 'no password in storage.log');
  t.notMatch(fs.readFileSync(path.join(dir, 'root/var/log/hvagent/agent.log'), 'utf8'), /sandbox-secret-pw/, 'nor in agent.log');
});
