// No secrets where they can be read: the passwords of a call forwarded by ovs_async_proc or
// dispatch, URL user-info in any argument, and fault texts are redacted; faults and logged
// method names are bounded.
import t from 'tap';
import pino from 'pino';
import { Writable } from 'node:stream';
import { z } from 'zod';
import { Registry } from '../../src/rpc/registry.js';
import { defineMethod, type MethodDef } from '../../src/rpc/method.js';
import { commonMethods } from '../../src/rpc/methods/common.js';
import { AgentError } from '../../src/core/errors.js';
import { errorToFault, MAX_FAULT_TEXT } from '../../src/rpc/faults.js';

const SECRET = 'S3cret-pw';

function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, log: pino({ level: 'info' }, stream) };
}

function registry() {
  const ran: unknown[][] = [];
  const defs: MethodDef[] = [
    defineMethod({ name: 'update_agent_password', access: 'public', secretArgs: [1, 2], params: z.tuple([z.string(), z.string(), z.string().optional()]), handler: (a) => void ran.push(a) }),
    defineMethod({ name: 'run_later', access: 'public', forwards: { methodArg: 0 }, params: z.tuple([z.string()]).rest(z.unknown()), handler: (a) => void ran.push(a) }),
    defineMethod({ name: 'import_thing', access: 'public', params: z.tuple([z.string()]), handler: (a) => void ran.push(a) }),
    ...commonMethods({ createClient: () => ({ call: async () => 'remote ok', close: () => undefined }) }),
  ];
  return { reg: new Registry({ isOwned: () => true }, defs), ran };
}

t.test('forwarded calls: the inner method secrets are redacted in the START line', async (t) => {
  const { reg } = registry();
  const { lines, log } = capture();
  const base = { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', user: 'oracle', signal: new AbortController().signal, log };
  await reg.invoke('run_later', ['update_agent_password', 'oracle', SECRET, `old-${SECRET}`], base);
  await reg.invoke('run_later', ['no_such_method', SECRET], base);
  await reg.invoke('dispatch', [`https://oracle:${SECRET}@10.0.0.2:8899/api/3/`, 'update_agent_password', 'oracle', SECRET], base);
  await reg.invoke('import_thing', [`http://user:${SECRET}@files.example/disk.img`], base);
  const text = lines.join('');
  t.notMatch(text, SECRET, 'no password anywhere in the log');
  t.match(text, /"args":\["update_agent_password","oracle","\*\*\*","\*\*\*"\]/, 'inner secrets redacted');
  t.match(text, /"args":\["no_such_method","\*\*\*"\]/, 'an unknown inner method: all its arguments redacted');
  t.match(text, /http:\/\/\*\*\*@files\.example\/disk\.img/, 'URL user-info redacted, the rest kept');
});

t.test('faults: URL credentials redacted, length bounded with a marker', async (t) => {
  const f = errorToFault(new AgentError('STORAGE_IMPORT_FAILED', `could not fetch https://u:${SECRET}@h/x: ${'y'.repeat(50_000)}`));
  t.notMatch(f.faultString, SECRET);
  t.ok(f.faultString.length <= MAX_FAULT_TEXT + 40, `bounded (${f.faultString.length})`);
  t.match(f.faultString, /truncated, \d+ chars\)$/);
});

t.test('a huge method name is cut before it reaches the log or the fault', async (t) => {
  const { reg } = registry();
  const { lines, log } = capture();
  const base = { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', user: 'oracle', signal: new AbortController().signal, log };
  const err = await Promise.resolve().then(() => reg.invoke('m'.repeat(1_000_000), [], base)).catch((e: unknown) => e);
  t.match(err, { code: 'UNKNOWN_METHOD' });
  t.ok((err as Error).message.length < 400, 'fault text short');
  t.ok(lines.join('').length < 2000, `log short (${lines.join('').length} bytes)`);
});
