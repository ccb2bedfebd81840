// The newcomer path end to end: `hvagent serve --sandbox DIR` starts, writes sandbox.json,
// answers calls over HTTPS with Basic auth (our client, `hvagent call`, Python's xmlrpc.client),
// keeps its state across a restart, and stops on SIGTERM. One agent at a time, called over
// the wire; stopped and cleaned up by the sandbox helper whatever happens.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { sandboxDir, startSandbox, hv } from '../helpers/sandbox.js';

const MANAGER = '0004fb0000020000ba9aaf00ae5e2d73';

const PY = `import ssl, xmlrpc.client, sys
ctx = ssl._create_unverified_context()
u = sys.argv[1].replace('https://', 'https://oracle:' + sys.argv[2] + '@')
s = xmlrpc.client.ServerProxy(u, context=ctx, allow_none=True)
print(s.get_api_version())
try:
    s.release_ownership('${MANAGER}')
except xmlrpc.client.Fault as f:
    print(f.faultString)
bad = xmlrpc.client.ServerProxy(sys.argv[1].replace('https://', 'https://oracle:wrong@'), context=ctx)
try:
    bad.echo('x')
except xmlrpc.client.ProtocolError as e:
    print(e.errcode)
`;

t.test('sandbox agent end to end', async (t) => {
  const dir = sandboxDir(t, 'hvagent-sb-');
  const sb = await startSandbox(t, dir);
  const { info, call } = sb;
  t.match(info.url, /^https:\/\/127\.0\.0\.1:\d+\/api\/3\/$/);
  t.equal(info.user, 'oracle');
  t.equal(fs.statSync(path.join(dir, 'sandbox.json')).mode & 0o777, 0o600);

  const echo = hv(dir, 'call', 'echo', '{"a":[1,2,"x"]}');
  t.equal(echo.status, 0, echo.stderr);
  t.same(JSON.parse(echo.stdout), { a: [1, 2, 'x'] }, 'the CLI call command');

  const py = spawnSync('python3', ['-c', PY, info.url, info.password], { encoding: 'utf8' });
  t.equal(py.status, 0, py.stderr);
  const lines = py.stdout.trim().split('\n');
  t.equal(lines[0], '[3]');
  t.match(lines[1], /^exceptions\.Exception:NOT_OWNED: /);
  t.equal(lines[2], '401');

  const server = (await call('discover_server')) as string;
  t.match(server, /<Boot_Time>[1-9]\d+<\/Boot_Time>/, 'discovery sees the real kernel through the sandbox root');
  t.notMatch(server, /<Unique_Id>(00:){15}00</, 'a real unique id');
  t.match(server, /<Membership_State>Unowned<\/Membership_State>/);
  t.equal(await call('take_ownership', MANAGER, 'https://127.0.0.1/core'), null);

  t.equal(await sb.stop(), 0, sb.output());
  t.notOk(fs.existsSync(path.join(dir, 'sandbox.json')), 'sandbox.json removed on stop');

  // Restart: same password, ownership remembered.
  const again = await startSandbox(t, dir);
  t.equal(again.info.password, info.password, 'the sandbox keeps its password');
  t.equal(await again.call('release_ownership', MANAGER), null, 'ownership survived the restart');
  await t.rejects(again.call('take_ownership', 'nope'), { code: 'INVALID_ARGUMENT' });
  t.equal(await again.stop(), 0);
  const dump = hv(dir, 'db', 'dump', 'events');
  t.equal(dump.status, 0, dump.stderr);
  t.match(dump.stdout, /OWNERSHIP_RELEASED/);
});
