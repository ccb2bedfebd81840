// One XML-RPC request body → one response body: decode, call through the registry, encode the
// result or the fault. Used by the transport; never throws.
import { AgentError } from '../core/errors.js';
import { decodeMethodCall } from './codec/decode.js';
import { encodeFault, encodeResponse } from './codec/encode.js';
import { errorToFault } from './faults.js';
import type { CallBase, Registry } from './registry.js';

export interface WireBase extends CallBase {
  /** Overrides the registry's XML nesting limit. */
  maxDepth?: number;
}

export async function callFromWire(registry: Registry, body: Buffer | string, base: WireBase): Promise<string> {
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
  let result: unknown;
  try {
    result = await registry.call(call.method, call.params, base);
  } catch (err) {
    return encodeFault(errorToFault(err, callIdOf(err)));
  }
  try {
    return encodeResponse(result);
  } catch (err) {
    base.log.error({ method: call.method, err }, 'result cannot be encoded');
    return encodeFault(errorToFault(err));
  }
}

function callIdOf(err: unknown): string | undefined {
  const id = err && typeof err === 'object' ? (err as { callId?: unknown }).callId : undefined;
  return typeof id === 'string' ? id : undefined;
}
