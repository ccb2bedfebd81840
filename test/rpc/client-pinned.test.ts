// A pinned push URL connects to its pinned address whatever its host name would resolve to,
// and still names the host in the request (Host header).
import t from 'tap';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XmlRpcClient } from '../../src/rpc/client.js';
import { encodeResponse } from '../../src/rpc/codec/index.js';

t.test('connectTo: the request goes to the pinned address, Host keeps the name', async (t) => {
  const hosts: string[] = [];
  const server = http.createServer((req, res) => {
    hosts.push(req.headers.host ?? '');
    req.resume();
    req.on('end', () => res.end(encodeResponse('pinned')));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as AddressInfo).port;
  // A name that does not resolve anywhere (.invalid): only the pin can reach the server.
  const pinned = new XmlRpcClient({ url: `http://manager.invalid:${port}/ev`, connectTo: '127.0.0.1', timeoutMs: 5000 });
  t.teardown(() => pinned.close());
  t.equal(await pinned.call('hvagent_event', [1]), 'pinned');
  t.same(hosts, [`manager.invalid:${port}`]);
  const unpinned = new XmlRpcClient({ url: `http://manager.invalid:${port}/ev`, timeoutMs: 5000 });
  t.teardown(() => unpinned.close());
  await t.rejects(unpinned.call('hvagent_event', [1]), { code: 'DISPATCH_FAILED' }, 'without the pin the name goes to DNS (and fails)');
  t.equal(hosts.length, 1);
});
