// A feature is one area plugged into the agent: its RPC methods plus start/stop. The
// composition root builds them from the shared deps and starts them in order.
import type { MethodDef } from './rpc/method.js';

export interface Feature {
  name: string;
  methods: MethodDef[];
  start?(): Promise<void> | void;
  stop?(): Promise<void> | void;
  /** First thing at stop, before the RPC server stops: end what callers in flight wait for. */
  quiesce?(): void;
  /** Told of every authenticated call to a known method and its caller's address (network: confirms connectivity). */
  onAuthenticatedCall?(method: string, from: string): void;
}
