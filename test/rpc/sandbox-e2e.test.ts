// The newcomer path end to end: `hvagent serve --sandbox DIR` starts, writes sandbox.json,
// answers `hvagent call` and Python's xmlrpc.client over HTTPS with Basic auth, keeps its
// state across a restart, and stops on SIGTERM.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { tempDir } from '../helpers/service-kit.js';
import { startSandbox, stopSandbox as stop, hv } from '../helpers/sandbox.js';

const PY = `import ssl, xmlrpc.client, sys
ctx = ssl._create_unverified_context()
u = sys.argv[1].replace('https://', 'https://oracle:' + sys.argv[2] + '@')
s = xmlrpc.client.ServerProxy(u, context=ctx, allow_none=True)
print(s.get_api_version())
try:
    s.release_ownership('0004fb0000020000ba9aaf00ae5e2d73')
except xmlrpc.client.Fault as f:
    print(f.faultString)
bad = xmlrpc.client.ServerProxy(sys.argv[1].replace('https://', 'https://oracle:wrong@'), context=ctx)
try:
    bad.echo('x')
except xmlrpc.client.ProtocolError as e:
    print(e.errcode)
`;

t.test('sandbox agent end to end', async (t) => {
  const dir = tempDir('hvagent-sb-');
  const { child, info, output } = await startSandbox(dir);
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  t.match(info.url, /^https:\/\/127\.0\.0\.1:\d+\/api\/3\/$/);
  t.equal(info.user, 'oracle');
  t.equal(fs.statSync(path.join(dir, 'sandbox.json')).mode & 0o777, 0o600);

  const echo = hv(dir, 'call', 'echo', '{"a":[1,2,"x"]}');
  t.equal(echo.status, 0, echo.stderr);
  t.same(JSON.parse(echo.stdout), { a: [1, 2, 'x'] });

  const py = spawnSync('python3', ['-c', PY, info.url, info.password], { encoding: 'utf8' });
  t.equal(py.status, 0, py.stderr);
  const lines = py.stdout.trim().split('\n');
  t.equal(lines[0], '[3]');
  t.match(lines[1], /^exceptions\.Exception:NOT_OWNED: /);
  t.equal(lines[2], '401');

  const server = hv(dir, 'call', 'discover_server');
  t.equal(server.status, 0, server.stderr);
  t.match(server.stdout, /<Boot_Time>[1-9]\d+<\/Boot_Time>/, 'discovery sees the real kernel through the sandbox root');
  t.notMatch(server.stdout, /<Unique_Id>(00:){15}00</, 'a real unique id');
  t.match(server.stdout, /<Membership_State>Unowned<\/Membership_State>/);

  const take = hv(dir, 'call', 'take_ownership', '0004fb0000020000ba9aaf00ae5e2d73', 'https://mgr/core');
  t.equal(take.status, 0, take.stderr);

  t.equal(await stop(child), 0, output());
  t.notOk(fs.existsSync(path.join(dir, 'sandbox.json')), 'sandbox.json removed on stop');

  // Restart: same password, ownership remembered.
  const again = await startSandbox(dir);
  t.teardown(() => {
    if (again.child.exitCode === null) again.child.kill('SIGKILL');
  });
  t.equal(again.info.password, info.password, 'the sandbox keeps its password');
  const rel = hv(dir, 'call', 'release_ownership', '0004fb0000020000ba9aaf00ae5e2d73');
  t.equal(rel.status, 0, `ownership survived the restart: ${rel.stderr}`);
  const dump = hv(dir, 'db', 'dump', 'events');
  t.equal(dump.status, 0, dump.stderr);
  t.match(dump.stdout, /OWNERSHIP_RELEASED/);
  const bad = hv(dir, 'call', 'take_ownership', 'nope');
  t.equal(bad.status, 1);
  t.match(bad.stderr, /INVALID_ARGUMENT/);
  t.equal(await stop(again.child), 0);
});
