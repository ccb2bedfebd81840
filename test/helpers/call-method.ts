// Calls a MethodDef the way the registry does: validate the positional args with its zod
// schema (a bad argument is INVALID_ARGUMENT), then run the handler.
import pino from 'pino';
import { AgentError } from '../../src/core/errors.js';
import type { CallContext, MethodDef } from '../../src/rpc/method.js';

export function methodCaller(defs: MethodDef[]) {
  const byName = new Map<string, MethodDef>();
  for (const d of defs) for (const n of [d.name, ...(d.aliases ?? [])]) byName.set(n, d);
  return async (name: string, ...args: unknown[]): Promise<unknown> => {
    const def = byName.get(name);
    if (!def) throw new AgentError('UNKNOWN_METHOD', name);
    const r = def.params.safeParse(args);
    if (!r.success) throw new AgentError('INVALID_ARGUMENT', `${name}: ${r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
    const ctx: CallContext = {
      callId: 'test',
      method: name,
      remoteAddress: '127.0.0.1',
      localAddress: '127.0.0.1',
      user: 'oracle',
      log: pino({ level: 'silent' }),
      signal: new AbortController().signal,
    };
    const out = await def.handler(r.data as never, ctx);
    return out === undefined ? null : out;
  };
}
