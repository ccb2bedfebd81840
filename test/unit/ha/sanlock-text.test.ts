// The sanlock 3.8 CLI text (recorded from real daemons on this machine) and argument building.
import t from 'tap';
import { acquireResultCode, getsToLockspaces, lockspaceArg, resourceArg, statusToHeld } from '../../../src/core/ha/sanlock-text.js';

t.test('gets -h 1', async (t) => {
  const text = 's LS3:2:/tmp/hvh-try/ls3.img:0 \nh 1 gen 1 timestamp 340 UNKNOWN\nh 2 gen 3 timestamp 342 LIVE\ns POOL:1:/p/ls:0 ADD\nh 3 gen 1 timestamp 9 DEAD\n';
  const ls = getsToLockspaces(text);
  t.equal(ls.length, 2);
  t.same(ls[0], { name: 'LS3', hostId: 2, path: '/tmp/hvh-try/ls3.img', flag: '', hosts: [
    { hostId: 1, generation: 1, timestamp: 340, liveness: 'unknown' },
    { hostId: 2, generation: 3, timestamp: 342, liveness: 'live' },
  ] });
  t.equal(ls[1].flag, 'ADD');
  t.equal(ls[1].hosts[0].liveness, 'dead');
  t.same(getsToLockspaces(''), []);
});

t.test('status and acquire results', async (t) => {
  const text = 'daemon hvhtry1\np -1 helper\np 13800 \ns LS3:1:/tmp/x/ls3.img:0\nr LS3:master:/tmp/x/m3.lease:0:1 p 13800\nr LX:vm:/tmp/x/vm:0:0 p 16623 ADD\nr LX:vm2:/tmp/x/vm2:0:3 p 16624 REM\n';
  t.same(statusToHeld(text), [{ lockspace: 'LS3', name: 'master', pid: 13800 }], 'an acquire still waiting (ADD) or a release (REM) is not a held lease');
  t.equal(acquireResultCode('register\nregister done 3\nacquire fd 3\nacquire done -243\n'), -243);
  t.equal(acquireResultCode('nothing'), undefined);
});

t.test('arguments refuse separators', async (t) => {
  t.equal(lockspaceArg({ name: 'POOL', hostId: 2, path: '/p/ls', ioTimeout: 1 }), 'POOL:2:/p/ls:0');
  t.equal(resourceArg({ lockspace: 'POOL', name: 'master', path: '/p/m' }), 'POOL:master:/p/m:0');
  t.throws(() => resourceArg({ lockspace: 'POOL', name: 'a:b', path: '/p/m' }), { code: 'HA_INVALID' });
  t.throws(() => resourceArg({ lockspace: 'POOL', name: 'm', path: '/p/a:b' }), { code: 'HA_INVALID' });
  t.throws(() => resourceArg({ lockspace: 'POOL', name: 'm', path: 'rel' }), { code: 'HA_INVALID' });
  t.throws(() => lockspaceArg({ name: 'x'.repeat(49), hostId: 1, path: '/p', ioTimeout: 1 }), { code: 'HA_INVALID' });
});
