// agent.yaml is watched: live keys are applied when the file changes, other keys are
// reported as needing a restart, and an invalid file is ignored with an error.
import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ConfigWatcher, loadConfig } from '../../src/services/config/config-loader.js';
import { captureLogger, tempDir } from '../helpers/service-kit.js';
import type { AgentConfig } from '../../src/core/config/schema.js';

t.test('live reload through chokidar', async (t) => {
  const dir = tempDir();
  t.teardown(() => fs.rmSync(dir, { recursive: true, force: true }));
  const file = path.join(dir, 'agent.yaml');
  fs.writeFileSync(file, 'log:\n  level: info\n');
  let current: AgentConfig = loadConfig(file);
  const logs = captureLogger();
  const applied: string[][] = [];
  const w = new ConfigWatcher({
    file,
    overrides: {},
    log: logs.log,
    current: () => current,
    onLiveChange: (next, keys) => {
      applied.push(keys);
      current = next;
    },
  });
  w.start();
  t.teardown(() => w.stop());
  await new Promise((r) => setTimeout(r, 300)); // let the watcher settle before the first change
  fs.writeFileSync(file, 'log:\n  level: debug\nstatistics:\n  interval: 30\n');
  for (let i = 0; i < 100 && applied.length === 0; i++) await new Promise((r) => setTimeout(r, 50));
  t.same(applied[0]?.sort(), ['log.level', 'statistics.interval']);
  t.equal(current.log.level, 'debug');

  fs.writeFileSync(file, 'log:\n  level: debug\nstatistics:\n  interval: 30\nrpc:\n  port: 9999\n');
  t.same(w.reload(), [], 'a restart-only key applies nothing live');
  t.match(logs.text(), /take effect after a restart/);

  fs.writeFileSync(file, 'log:\n  level: shouting\n');
  t.same(w.reload(), []);
  t.match(logs.text(), /config change ignored/);
  t.equal(current.log.level, 'debug', 'an invalid file changes nothing');
});
