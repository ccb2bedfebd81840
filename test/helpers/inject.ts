// Calls methods in process through the real path of a wire call: the XML-RPC codec both ways,
// the registry's ownership gate, validation, lock manager and fault formatting. A fault is
// thrown as a FaultError whose `code` is the catalogue code of the fault string.
import pino, { type Logger } from 'pino';
import { decodeMethodResponse, encodeMethodCall, type MethodResponse } from '../../src/rpc/codec/index.js';
import { callFromWire, type Registry } from '../../src/rpc/registry.js';

export class FaultError extends Error {
  /** The catalogue code (`BUSY`, `REPO_IN_USE`...) parsed from `exceptions.<Type>:<CODE>: ...`. */
  readonly code: string;
  constructor(
    readonly faultCode: number,
    readonly faultString: string,
  ) {
    super(faultString);
    this.name = 'FaultError';
    this.code = /^exceptions\.[A-Za-z]+:([A-Z0-9_]+):/.exec(faultString)?.[1] ?? 'UNKNOWN';
  }
}

export interface InjectOptions {
  log?: Logger;
  remoteAddress?: string;
  localAddress?: string;
  signal?: AbortSignal;
}

const silent = pino({ level: 'silent' });

/** One call, as a manager would make it; the decoded response, a fault included. */
export async function respond(target: Registry | { registry: Registry }, method: string, params: readonly unknown[], opts: InjectOptions = {}): Promise<MethodResponse> {
  const registry = 'registry' in target ? target.registry : target;
  const text = await callFromWire(registry, encodeMethodCall(method, params), {
    remoteAddress: opts.remoteAddress ?? '127.0.0.1',
    localAddress: opts.localAddress ?? '127.0.0.1',
    user: 'oracle',
    signal: opts.signal ?? new AbortController().signal,
    log: opts.log ?? silent,
  });
  const r = decodeMethodResponse(text, { maxDepth: 256 });
  // Every real answer is checked against the shape its declaration states.
  const shape = r.ok ? registry.get(method)?.result?.safeParse(r.value) : undefined;
  if (shape && !shape.success) {
    throw new Error(`the answer of ${method} does not match its declared result: ${shape.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return r;
}

/** One call; resolves the decoded answer or rejects a FaultError. */
export async function inject(target: Registry | { registry: Registry }, method: string, params: readonly unknown[], opts: InjectOptions = {}): Promise<unknown> {
  const r = await respond(target, method, params, opts);
  if (!r.ok) throw new FaultError(r.fault.faultCode, r.fault.faultString);
  return r.value;
}

/** `call(method, ...args)` bound to one agent or registry. */
export function injector(target: Registry | { registry: Registry }, opts: InjectOptions = {}) {
  return (method: string, ...params: unknown[]): Promise<unknown> => inject(target, method, params, opts);
}
