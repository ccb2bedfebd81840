// One XML-RPC request body → one response body: decode, call through the registry, encode the
// result or the fault, synchronously when the handler is. Used by the transport; never throws.
import { AgentError } from '../core/errors.js';
import { decodeMethodCall } from './codec/decode.js';
import { encodeFault, encodeResponse } from './codec/encode.js';
import { errorToFault } from './faults.js';
import type { CallBase, Registry } from './registry.js';

export interface WireBase extends CallBase {
  /** Overrides the registry's XML nesting limit. */
  maxDepth?: number;
}

/** The answer is a string when the handler answered synchronously, else a promise of one. */
export function callFromWire(registry: Registry, body: Buffer | string, base: WireBase): string | Promise<string> {
  let call;
  try {
    call = decodeMethodCall(body, { maxDepth: base.maxDepth ?? registry.maxXmlDepth });
  } catch (err) {
    if (err instanceof AgentError) {
      base.log.info({ caller: base.remoteAddress, code: err.code, reason: err.message }, 'unparsable request');
    } else {
      base.log.error({ caller: base.remoteAddress, err }, 'request decoding failed');
    }
    return encodeFault(errorToFault(err));
  }
  const method = call.method;
  let result: unknown;
  try {
    result = registry.invoke(method, call.params, base);
  } catch (err) {
    return faultOf(err);
  }
  if (result instanceof Promise) return result.then((v) => encodeResult(v, method, base), faultOf);
  return encodeResult(result, method, base);
}

function faultOf(err: unknown): string {
  return encodeFault(errorToFault(err, callIdOf(err)));
}

function encodeResult(result: unknown, method: string, base: WireBase): string {
  try {
    return encodeResponse(result);
  } catch (err) {
    base.log.error({ method, err }, 'result cannot be encoded');
    return encodeFault(errorToFault(err));
  }
}

function callIdOf(err: unknown): string | undefined {
  const id = err && typeof err === 'object' ? (err as { callId?: unknown }).callId : undefined;
  return typeof id === 'string' ? id : undefined;
}
