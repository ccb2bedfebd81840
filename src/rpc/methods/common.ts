// The common methods of wire-api.md 3.1: echo, get_api_version, sleep and dispatch (a call
// forwarded to another agent with our own client, as the pool master does for its members).
import { z } from 'zod';
import { AgentError } from '../../core/errors.js';
import { systemClock, type Clock } from '../../host/clock.js';
import { XmlRpcClient, type RpcCaller } from '../client.js';
import * as R from '../results.js';
import { defineMethod, type MethodDef } from '../method.js';

export interface CommonDeps {
  /** Builds the client for one dispatch target (tests inject a fake). */
  createClient?: (url: string) => RpcCaller;
  /**
   * CA bundle (PEM) for dispatch targets. Without one, agents present self-signed certificates
   * (hvagent keygen, the stock agent's own cert dir), so verification is off: the Basic-auth
   * password in the URL is what authenticates the call, as with the stock agent.
   */
  dispatchCa?: string | Buffer;
  /**
   * Whether dispatch may call the agent on this host (an IP or name from the URI). Production:
   * members of this host's pool and rpc.dispatchAllow. Without it, any host (tests only).
   */
  dispatchAllowed?: (host: string) => boolean;
  /** Deadline of one dispatched call (default 20 minutes). */
  dispatchTimeoutMs?: number;
  clock?: Clock;
}

export const API_VERSION = 3;
const MAX_SLEEP_SECS = 3600;

export function commonMethods(deps: CommonDeps = {}): MethodDef[] {
  const clock = deps.clock ?? systemClock;
  const createClient =
    deps.createClient ??
    ((url: string) =>
      new XmlRpcClient({
        url,
        ca: deps.dispatchCa,
        rejectUnauthorized: deps.dispatchCa !== undefined,
        timeoutMs: deps.dispatchTimeoutMs,
      }));

  return [
    defineMethod({
      name: 'echo',
      result: R.anything,
      summary: 'Return the argument unchanged (health check).',
      params: z.tuple([z.unknown()]),
      access: 'public',
      handler: ([msg]) => msg,
    }),
    defineMethod({
      name: 'get_api_version',
      result: z.tuple([z.literal(3)]),
      summary: 'The API version, as the array [3].',
      params: z.tuple([]),
      access: 'public',
      handler: () => [API_VERSION],
    }),
    defineMethod({
      name: 'sleep',
      result: R.nil,
      summary: 'Wait secs seconds (0-3600), then return nil.',
      params: z.tuple([z.number().min(0).max(MAX_SLEEP_SECS)]),
      access: 'owned',
      handler: async ([secs], ctx) => {
        try {
          await clock.sleep(secs * 1000, ctx.signal);
        } catch {
          throw new AgentError('SHUTTING_DOWN', 'sleep interrupted: the agent is shutting down');
        }
        return null;
      },
    }),
    defineMethod({
      name: 'dispatch',
      result: R.anything,
      summary: 'Call func(args...) on the agent at uri (https://oracle:pw@host:8899/api/3/) and return its result.',
      params: z
        .tuple([z.string().min(1), z.string().regex(/^[A-Za-z0-9_.:/]+$/, 'must be a method name')])
        .rest(z.unknown()),
      access: 'owned',
      // The URI carries the target agent's password; the forwarded arguments may carry others.
      secretArgs: [0],
      forwards: { methodArg: 1 },
      handler: async ([uri, func, ...args], ctx) => {
        if (deps.dispatchAllowed) {
          const host = hostOf(uri);
          if (host === undefined) throw new AgentError('INVALID_ARGUMENT', 'dispatch: argument 1 (uri): expected an http(s) URL of an agent');
          if (!deps.dispatchAllowed(host)) {
            throw new AgentError('FORBIDDEN', `dispatch: argument 1 (uri): ${host.slice(0, 64)} is neither a member of this server pool nor in rpc.dispatchAllow`);
          }
        }
        const client = createClient(uri);
        try {
          return await client.call(func, args, { signal: ctx.signal });
        } finally {
          client.close();
        }
      },
    }),
  ];
}

/** The host of an http(s) URL (brackets of an IPv6 literal removed), or undefined. */
function hostOf(uri: string): string | undefined {
  let u: URL;
  try {
    u = new URL(uri);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  return u.hostname.replace(/^\[(.*)\]$/, '$1');
}
