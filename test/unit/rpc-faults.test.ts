// Errors → faults: catalogued codes and messages pass, anything else is a generic INTERNAL fault.
import t from 'tap';
import { AgentError } from '../../src/core/errors.js';
import { errorToFault, internalFault } from '../../src/rpc/faults.js';
import { RemoteFault } from '../../src/rpc/remote-fault.js';

t.test('AgentError keeps its number, code and message', async (t) => {
  t.strictSame(errorToFault(new AgentError('NET_BAD_VLAN', 'VLAN id 5000 is outside 1-4094')), {
    faultCode: 2002,
    faultString: 'exceptions.Exception:NET_BAD_VLAN: VLAN id 5000 is outside 1-4094',
  });
  t.strictSame(errorToFault(new AgentError('BUSY', 'x'), 'id1'), { faultCode: 1006, faultString: 'exceptions.Exception:BUSY: x' });
  t.strictSame(errorToFault(new AgentError('HOST_COMMAND_FAILED', 'ip link failed')), {
    faultCode: 9001,
    faultString: 'exceptions.Exception:HOST_COMMAND_FAILED: ip link failed',
  });
});

t.test('unexpected errors never reach the wire', async (t) => {
  const cases: unknown[] = [
    new Error('ENOENT: /etc/secret/path'),
    new TypeError("Cannot read properties of undefined (reading 'x')"),
    'a thrown string',
    undefined,
    null,
    { message: 'plain object' },
    new AgentError('INTERNAL', 'cannot encode XML-RPC value: details'),
  ];
  for (const err of cases) {
    const f = errorToFault(err, 'abc-123');
    t.strictSame(f, { faultCode: 9000, faultString: 'exceptions.Exception:INTERNAL: internal error (call id abc-123)' }, String(err));
  }
  t.strictSame(errorToFault(new Error('x')), internalFault(undefined));
  t.equal(internalFault(undefined).faultString, 'exceptions.Exception:INTERNAL: internal error');
});

t.test('a remote fault passes through verbatim', async (t) => {
  const f = new RemoteFault(1, 'exceptions.Exception:Server already a member of pool: 0004fb00', 'take_ownership at https://h:8899/api/3/');
  t.strictSame(errorToFault(f), { faultCode: 1, faultString: 'exceptions.Exception:Server already a member of pool: 0004fb00' });
  t.equal(f.code, 'DISPATCH_FAILED');
  t.equal(f.expected, true);
  t.ok(f instanceof AgentError);
});
