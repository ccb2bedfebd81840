import t from 'tap';
import { makeKit } from '../helpers/service-kit.js';
import { OwnershipService } from '../../src/services/ownership/ownership-service.js';
import { PoolService } from '../../src/services/ownership/pool-service.js';
import { poolMethods } from '../../src/rpc/methods/pool.js';
import { isAgentError } from '../../src/core/errors.js';

const P1 = '0004fb00000200001a2b3c4d5e6f7081';
const P2 = '0004fb0000020000ffffffffffffffff';

function setup() {
  const kit = makeKit();
  const own = new OwnershipService({ hostState: kit.hostState, events: kit.events, log: kit.log });
  const pool = new PoolService({ hostState: kit.hostState, events: kit.events, ownership: own, log: kit.log });
  const defs = Object.fromEntries(poolMethods(pool).map((d) => [d.name, d]));
  const call = (name: string, args: unknown[]) => defs[name].handler(defs[name].params.parse(args), {} as never);
  const code = (name: string, args: unknown[]) => {
    try {
      call(name, args);
    } catch (e) {
      return isAgentError(e) ? e.code : 'other';
    }
    return undefined;
  };
  return { kit, own, call, code, defs };
}

t.test('create → Pooled, discover, join elsewhere refused, leave', async (t) => {
  const { kit, own, call, code } = setup();
  own.takeOwnership({ managerUuid: '0004fb0000020000ba9aaf00ae5e2d73' });
  t.equal(call('discover_server_pool', []), '<?xml version="1.0" ?><Discover_Server_Pool_Result/>');
  call('create_server_pool', ['pool1', P1, '192.168.1.250', 0, 'host1', '192.168.1.10', 'xen,utility']);
  t.equal(own.state(), 'Pooled');
  t.same(own.roles(), ['xen', 'utility']);
  call('create_server_pool', ['pool1', P1, '192.168.1.250', 0, 'host1', '192.168.1.10']);
  t.equal(code('join_server_pool', ['pool2', P2, '10.0.0.250', 1, 'host1', '10.0.0.10']), 'POOL_ALREADY_MEMBER');
  call('set_pool_member_ip_list', [['192.168.1.10', '192.168.1.11']]);
  call('update_pool_virtual_ip', ['192.168.1.251']);
  call('set_server_pool_alias', ['renamed & <co>']);
  const xml = call('discover_server_pool', []) as string;
  t.match(xml, `<Unique_Id>${P1}</Unique_Id>`);
  t.match(xml, '<Pool_Alias>renamed &amp; &lt;co&gt;</Pool_Alias>');
  t.match(xml, '<Master_Virtual_Ip>192.168.1.251</Master_Virtual_Ip>');
  t.match(xml, '<Member><Registered_IP>192.168.1.11</Registered_IP></Member>');
  t.equal(code('leave_server_pool', [P2]), 'POOL_NOT_MEMBER');
  call('leave_server_pool', [P1]);
  t.equal(own.state(), 'Owned');
  t.equal(code('set_server_pool_alias', ['x']), 'POOL_NOT_MEMBER');
  kit.cleanup();
});

t.test('bad arguments are refused before anything changes', async (t) => {
  const { kit, defs, own } = setup();
  for (const args of [
    ['p', 'nothex', '1.2.3.4', 0, 'h', '1.2.3.5'],
    ['p', P1, '1.2.3', 0, 'h', '1.2.3.5'],
    ['p', P1, '1.2.3.4', 999, 'h', '1.2.3.5'],
    ['p', P1, '1.2.3.4', 0, 'h/../x', '1.2.3.5'],
    ['', P1, '1.2.3.4', 0, 'h', '1.2.3.5'],
  ]) {
    t.notOk(defs.create_server_pool.params.safeParse(args).success, JSON.stringify(args));
  }
  t.equal(own.state(), 'Unowned');
  kit.cleanup();
});

t.test('dashed pool uuids (CloudStack sends its storage pool uuid so): kept as sent, matched either way', async (t) => {
  const { kit, own, call, code } = setup();
  own.takeOwnership({ managerUuid: '0004fb0000020000ba9aaf00ae5e2d73' });
  const dashed = 'F12842EB-F5ED-3FE7-8DA1-EB0E17F5EDE8';
  call('create_server_pool', ['nfs:/x', dashed, '192.168.1.230', 1, 'ovm-1', '192.168.1.64', 'xen,utility']);
  t.match(call('discover_server_pool', []), '<Unique_Id>f12842eb-f5ed-3fe7-8da1-eb0e17f5ede8</Unique_Id>');
  call('join_server_pool', ['nfs:/x', 'f12842ebf5ed3fe78da1eb0e17f5ede8', '192.168.1.230', 1, 'ovm-1', '192.168.1.64']);
  t.equal(code('leave_server_pool', ['f12842eb-f5ed-3fe7-8da1-eb0e17f5ede9']), 'POOL_NOT_MEMBER', 'another uuid is still refused');
  t.throws(() => call('destroy_server_pool', ['f12842eb-f5ed-3fe7-8da1']), 'a malformed uuid is refused by the schema');
  call('leave_server_pool', ['f12842eb-f5ed-3fe7-8da1-eb0e17f5ede8']);
  t.equal(own.state(), 'Owned');
  kit.cleanup();
});
