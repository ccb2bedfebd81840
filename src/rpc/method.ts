// The shape of one RPC method declaration: wire name, zod schema of the positional arguments,
// who may call it, the lock it takes and a thin handler over a service.
import type { z } from 'zod';
import type { Logger } from 'pino';
import type { LockRequest } from '../core/locks.js';

/** Values the XML-RPC codec produces and accepts. */
export type XmlRpcValue =
  | string
  | number
  | bigint
  | boolean
  | null
  | Date
  | Buffer
  | XmlRpcValue[]
  | { [key: string]: XmlRpcValue };

export interface CallContext {
  callId: string;
  method: string;
  /** Caller address (IP), as seen on the socket. */
  remoteAddress: string;
  /** The local address the caller's connection arrived on (used to find lastClientIface). */
  localAddress: string;
  user: string;
  /** SHA-256 fingerprint (AB:CD:...) of the TLS client certificate the caller showed, if any. */
  peerCertificate?: string;
  log: Logger;
  /** Aborted when the agent shuts down. */
  signal: AbortSignal;
}

/**
 * 'public': allowed before ownership (echo, discovery, reads, take_ownership).
 * 'owned': requires the host to be owned by a manager (NOT_OWNED otherwise).
 * 'setup': a change a manager makes while bringing a host up, before take_ownership (CloudStack
 *   sets roles and its control bridge first); once the host is owned, only its owner may.
 */
export type Access = 'public' | 'owned' | 'setup';

export interface MethodDef<P extends z.ZodType<unknown[]> = z.ZodType<unknown[]>> {
  name: string;
  /** Other wire names for the same method (e.g. set_statistics_interval). */
  aliases?: readonly string[];
  /** Positional arguments, usually z.tuple([...]). */
  params: P;
  access: Access;
  /** Shorthand for an exclusive hold on one resource name (`lock: 'pool'`). */
  lock?: string;
  /**
   * The resources the call holds until it ends, from its validated arguments: taken all or
   * none, never waited for (a conflict faults at once naming the holder).
   */
  locks?: (args: z.output<P>) => readonly LockRequest[];
  /** The shape of the answer (checked against real answers by the tests). */
  result?: z.ZodType;
  /** Positions of arguments that hold secrets (redacted in logs). */
  secretArgs?: readonly number[];
  /**
   * The method forwards a call (ovs_async_proc, dispatch): argument `methodArg` names the method
   * and the arguments after it are that method's, redacted by its own secretArgs (all of them
   * when the name is unknown).
   */
  forwards?: { methodArg: number };
  /** Short text for `hvagent call --help` and the README. */
  summary?: string;
  handler: (args: z.output<P>, ctx: CallContext) => Promise<unknown> | unknown;
}

/** Declare a method with its argument types inferred from the schema. */
export function defineMethod<P extends z.ZodType<unknown[]>>(def: MethodDef<P>): MethodDef {
  return def as unknown as MethodDef;
}
