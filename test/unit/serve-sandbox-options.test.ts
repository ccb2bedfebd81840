// `hvagent serve --sandbox DIR` options: the pool sandbox gives each member its own namespace
// and test-driver world (--netns, --libvirt-uri); never a real hypervisor, never without --sandbox.
import t from 'tap';
import * as path from 'node:path';
import { configSource, sandboxOverrides } from '../../src/cli/commands/serve.js';
import { sandboxNetnsName } from '../../src/host/net/sandbox-netns.js';
import { UsageError } from '../../src/cli/args.js';

t.test('defaults: the namespace from the directory, the default test world', async (t) => {
  const o = sandboxOverrides('/tmp/sb1', 8899) as { network: { netns: string }; libvirt: { uri: string } };
  t.equal(o.network.netns, sandboxNetnsName(path.resolve('/tmp/sb1')));
  t.equal(o.libvirt.uri, 'test:///default');
});

t.test('--netns and --libvirt-uri are taken in sandbox mode', async (t) => {
  const c = configSource({ sandbox: '/tmp/sb1', netns: 'hm-3-n1', 'libvirt-uri': 'test:///tmp/sb1/node.xml' });
  t.match(c.overrides, { network: { netns: 'hm-3-n1' }, libvirt: { uri: 'test:///tmp/sb1/node.xml' }, sandbox: true });
  t.equal(c.configFile, path.join(path.resolve('/tmp/sb1'), 'agent.yaml'));
});

t.test('refused: a real hypervisor URI, or the options without --sandbox', async (t) => {
  const usage = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return e instanceof UsageError ? e.message : `not a usage error: ${String(e)}`;
    }
    return 'no error';
  };
  t.match(usage(() => configSource({ sandbox: '/tmp/sb1', 'libvirt-uri': 'qemu:///system' })), /must be a test driver URI/);
  t.match(usage(() => configSource({ netns: 'hm-3-n1' })), /go with --sandbox/);
  t.match(usage(() => configSource({ 'libvirt-uri': 'test:///default' })), /go with --sandbox/);
});
