// The sandbox helper's promise: when the test process is killed (tap's timeout sends SIGTERM)
// the agent it started is killed too and its network namespaces are removed.
import t from 'tap';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { repo } from '../helpers/sandbox.js';

const SCRIPT = `
import { startSandbox } from ${JSON.stringify(path.join(repo, 'test/helpers/sandbox.ts'))};
const sb = await startSandbox({ teardown() {} }, process.argv[2]);
console.log(JSON.stringify({ pid: sb.child.pid, netns: sb.netns }));
setInterval(() => {}, 1000); // a test that hangs until tap's timeout
`;

/** Running (a zombie left for a PID 1 that does not reap counts as gone: it runs nothing). */
const alive = (pid: number) => {
  try {
    return !/^\d+ \(.*\) Z/.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
};

t.test('SIGTERM to the test process stops its sandbox agent and removes the namespace', async (t) => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-sbc-'));
  const script = path.join(dir, 'hang.mts');
  fs.writeFileSync(script, SCRIPT);
  const child = spawn(process.execPath, ['--import', 'tsx', script, path.join(dir, 'sb')], { cwd: repo, stdio: ['ignore', 'pipe', 'inherit'] });
  let agent: { pid: number; netns: string } | undefined;
  t.teardown(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
    if (agent && alive(agent.pid)) process.kill(agent.pid, 'SIGKILL');
    if (agent) for (const n of [agent.netns, `${agent.netns}-peer`]) spawnSync('ip', ['netns', 'del', n], { stdio: 'ignore' });
    fs.rmSync(dir, { recursive: true, force: true });
  });
  fs.mkdirSync(path.join(dir, 'sb'));
  agent = await new Promise<{ pid: number; netns: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b) => {
      out += b;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) resolve(JSON.parse(line) as { pid: number; netns: string });
    });
    child.once('exit', (code) => reject(new Error(`the test process ended first (${code})`)));
  });
  t.ok(alive(agent.pid), 'the agent runs');
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await exited;
  // SIGKILL was sent before the test process died; the kernel may take a moment to end it.
  for (let i = 0; i < 100 && alive(agent.pid); i++) await new Promise((r) => setTimeout(r, 100));
  t.notOk(alive(agent.pid), 'the agent was killed with the test process');
  t.notOk(spawnSync('ip', ['netns', 'list'], { encoding: 'utf8' }).stdout.includes(agent.netns), 'its namespace is gone');
});
