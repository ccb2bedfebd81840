// Compatibility shim for tests written before inject(): methodCaller(defs) calls the given
// declarations through a real Registry (owned host, locks, codec, faults) via inject().
// New tests use test/helpers/inject.ts (or test/helpers/test-agent.ts for a whole agent).
import type { MethodDef } from '../../src/rpc/method.js';
import { Registry } from '../../src/rpc/registry.js';
import { injector } from './inject.js';

export function methodCaller(defs: MethodDef[]) {
  return injector(new Registry({ isOwned: () => true }, defs));
}
