// When a TLS connection switches to reading through the JS stream (the keep-alive 400 fix):
// only once node could pause it, never for a connection whose answers all went out at once.
import t from 'tap';
import { EventEmitter } from 'node:events';
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { readThroughJsIfBacklogged } from '../../../src/rpc/transport-sockets.js';

function fakeSocket(encrypted: boolean, writableNeedDrain = false) {
  return Object.assign(new EventEmitter(), { encrypted, writableNeedDrain }) as unknown as Socket & { writableNeedDrain: boolean };
}
const dataListeners = (s: Socket): number => s.listenerCount('data');

t.test('a TLS connection whose answers went out stays on the direct path', async (t) => {
  const s = fakeSocket(true);
  readThroughJsIfBacklogged(s);
  readThroughJsIfBacklogged(s, { socket: s } as unknown as ServerResponse);
  t.equal(dataListeners(s), 0);
});

t.test('a full write buffer switches it, once', async (t) => {
  const s = fakeSocket(true, true);
  t.equal(readThroughJsIfBacklogged(s), s, 'returns the socket');
  readThroughJsIfBacklogged(s);
  t.equal(dataListeners(s), 1);
});

t.test('an answer waiting behind another (pipelining) switches it', async (t) => {
  const s = fakeSocket(true);
  readThroughJsIfBacklogged(s, { socket: null } as unknown as ServerResponse);
  t.equal(dataListeners(s), 1);
});

t.test('plain TCP never needs it', async (t) => {
  const s = fakeSocket(false, true);
  readThroughJsIfBacklogged(s, { socket: null } as unknown as ServerResponse);
  t.equal(dataListeners(s), 0);
});
