import t from 'tap';
import { parseConfig, changedKeys, LIVE_KEYS } from '../../src/core/config/schema.js';
import { configFromText } from '../../src/services/config/config-loader.js';
import { isAgentError } from '../../src/core/errors.js';

t.test('defaults', async (t) => {
  const r = parseConfig({});
  t.ok(r.ok);
  if (!r.ok) return;
  t.equal(r.config.rpc.port, 8899);
  t.equal(r.config.rpc.tls, true);
  t.equal(r.config.network.backend, 'ifcfg');
  t.ok(Object.isFrozen(r.config.rpc), 'deep-frozen');
});

t.test('every problem is listed at once', async (t) => {
  const r = parseConfig({ rpc: { port: 'x', bogus: 1 }, log: { level: 'loud' }, network: { backend: 'nm' } });
  t.notOk(r.ok);
  if (r.ok) return;
  const paths = r.problems.map((p) => p.path).sort();
  t.same(paths, ['log.level', 'network.backend', 'rpc', 'rpc.port']);
});

t.test('yaml errors and non-mapping roots are config faults', async (t) => {
  for (const text of ['rpc: [', '- a\n- b', 'rpc:\n  port: 70000']) {
    try {
      configFromText(text, 'agent.yaml');
      t.fail(`accepted ${JSON.stringify(text)}`);
    } catch (e) {
      t.ok(isAgentError(e) && e.code === 'CONFIG_INVALID', text);
    }
  }
});

t.test('overrides merge deeply over the file', async (t) => {
  const c = configFromText('rpc:\n  port: 9000\n  tls: false\n', 'x', { rpc: { port: 1234 } });
  t.equal(c.rpc.port, 1234);
  t.equal(c.rpc.tls, false);
});

t.test('changedKeys finds live and restart keys', async (t) => {
  const a = configFromText('', 'x');
  const b = configFromText('log:\n  level: debug\nrpc:\n  port: 1\n', 'x');
  const keys = changedKeys(a, b);
  t.same(keys.sort(), ['log.level', 'rpc.port']);
  t.ok(LIVE_KEYS.includes('log.level'));
  t.notOk(LIVE_KEYS.includes('rpc.port'));
});
