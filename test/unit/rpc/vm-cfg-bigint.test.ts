// vm.cfg values from the wire: integers up to 2^53 kept, beyond refused (never rounded silently).
import t from 'tap';
import { vmParams } from '../../../src/rpc/methods/vm.js';

t.test('big integers in vm.cfg values', async (t) => {
  t.same(vmParams.parse({ memory: 2n ** 40n }), { memory: 2 ** 40 });
  const r = vmParams.safeParse({ memory: 2n ** 62n + 1n });
  t.notOk(r.success, '2^62+1 is refused, not rounded');
  t.ok(vmParams.safeParse({ maxmem: -(2n ** 60n) }).success === false);
});
