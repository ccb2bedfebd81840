import t from 'tap';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { o2cbConfToText, textToO2cbConf, structToO2cbConf, o2cbConfToStruct, OVM_O2CB_DEFAULTS } from '../../../src/core/cluster/o2cb-conf.js';
import { isAgentError } from '../../../src/core/errors.js';

const FIX = path.resolve(import.meta.dirname, '../../fixtures/cluster/o2cb');

t.test('/etc/sysconfig/o2cb byte for byte as the init script writes it', async (t) => {
  const golden = fs.readFileSync(path.join(FIX, 'sysconfig-o2cb.ovm'), 'utf8');
  const conf = { ...OVM_O2CB_DEFAULTS, bootCluster: 'f1e2d3c4b5a69788' };
  t.equal(o2cbConfToText(conf, 'sysconfig'), golden);
  t.same(textToO2cbConf(golden), conf);
});

t.test("Debian's /etc/default/o2cb byte for byte as the postinst writes it", async (t) => {
  const golden = fs.readFileSync(path.join(FIX, 'etc-default-o2cb.postinst'), 'utf8');
  const conf = textToO2cbConf(golden);
  t.same(conf, { enabled: false, stack: 'o2cb', bootCluster: 'ocfs2', heartbeatThreshold: 31, idleTimeoutMs: 30000, keepaliveDelayMs: 2000, reconnectDelayMs: 2000 });
  t.equal(o2cbConfToText(conf, 'debian'), golden);
  t.notMatch(o2cbConfToText(conf, 'debian'), /O2CB_STACK/);
});

t.test('struct form: stock key names, strings or numbers, validated', async (t) => {
  const base = { ...OVM_O2CB_DEFAULTS, bootCluster: '' };
  const c = structToO2cbConf({ O2CB_HEARTBEAT_THRESHOLD: '31', O2CB_BOOTCLUSTER: 'abc', O2CB_ENABLED: 'true', O2CB_IDLE_TIMEOUT_MS: 30000 }, base);
  t.equal(c.heartbeatThreshold, 31);
  t.equal(c.idleTimeoutMs, 30000);
  t.equal(o2cbConfToStruct(c).O2CB_BOOTCLUSTER, 'abc');
  const code = (s: Record<string, unknown>) => {
    try {
      structToO2cbConf(s, base);
    } catch (e) {
      return isAgentError(e) ? e.code : 'other';
    }
    return 'none';
  };
  t.equal(code({ O2CB_HEARTBEAT_THRESHOLD: '1' }), 'CLUSTER_INVALID');
  t.equal(code({ O2CB_HEARTBEAT_THRESHOLD: 'x' }), 'CLUSTER_INVALID');
  t.equal(code({ O2CB_BOOTCLUSTER: '12345678901234567' }), 'CLUSTER_INVALID');
  t.equal(code({ O2CB_BOOTCLUSTER: 'a;rm -rf /' }), 'CLUSTER_INVALID');
});
