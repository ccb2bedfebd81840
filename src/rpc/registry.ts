// The method registry: resolves a wire name, gates on ownership, validates the positional
// arguments with the method's zod schema, takes its declared holds in the agent's lock manager
// (never waiting), runs the handler and writes the START/FINISH log lines (secrets redacted).
import { randomUUID } from 'node:crypto';
import type { Logger } from 'pino';
import type { z } from 'zod';
import { AgentError } from '../core/errors.js';
import { LockManager, type Lease, type LockRequest } from '../core/locks.js';
import { findReservedKey } from '../core/reserved-keys.js';
import { redactUrlCredentials, truncateText } from '../core/redact.js';
import type { CallContext, MethodDef } from './method.js';
import { summarizeArgsJson } from './log-args.js';
import { logCallOk, logCallStart } from '../services/logging/call-lines.js';

/** Longer method names do not exist; they are cut (with a marker) before being logged or quoted. */
const MAX_METHOD_NAME = 128;

/** What the transport knows about a call before the registry sees it. */
export interface CallBase {
  remoteAddress: string;
  localAddress: string;
  user: string;
  /** SHA-256 fingerprint (AB:CD:...) of the TLS client certificate shown on the connection, if any. */
  peerCertificate?: string;
  signal: AbortSignal;
  log: Logger;
}

export interface CallInfo {
  method: string;
  callId: string;
  remoteAddress: string;
  localAddress: string;
  user: string;
}

export type CallListener = (info: CallInfo) => void;

export interface RegistryOptions {
  /** True when a manager owns the host; 'owned' methods fault NOT_OWNED otherwise. */
  isOwned: () => boolean;
  /**
   * When given: whether this caller is the owner manager (rpc.ownerCheck: by its client
   * certificate or its address). 'owned' methods of an owned host then answer FORBIDDEN to anyone else.
   */
  isOwner?: (caller: CallBase) => boolean;
  /** Default XML nesting limit for callFromWire (config rpc.maxXmlDepth). */
  maxXmlDepth?: number;
  /** The agent's lock manager (services and jobs hold in the same one); a private one by default. */
  locks?: LockManager;
}

export class Registry {
  readonly maxXmlDepth: number;
  readonly locks: LockManager;
  private readonly byName = new Map<string, MethodDef>();
  private readonly defs: MethodDef[] = [];
  private readonly listeners: CallListener[] = [];
  private readonly isOwned: () => boolean;
  private readonly isOwner: ((caller: CallBase) => boolean) | undefined;

  constructor(opts: RegistryOptions, defs: readonly MethodDef[] = []) {
    this.isOwned = opts.isOwned;
    this.isOwner = opts.isOwner;
    this.maxXmlDepth = opts.maxXmlDepth ?? 64;
    this.locks = opts.locks ?? new LockManager();
    this.register(defs);
  }

  /** Add methods; a name or alias already taken (or repeated within defs) is refused. */
  register(defs: readonly MethodDef[]): void {
    const seen = new Set<string>();
    for (const def of defs) {
      for (const name of [def.name, ...(def.aliases ?? [])]) {
        if (this.byName.has(name) || seen.has(name)) {
          throw new AgentError('ALREADY_EXISTS', `method ${name} is registered twice`);
        }
        seen.add(name);
      }
    }
    for (const def of defs) {
      this.defs.push(def);
      for (const name of [def.name, ...(def.aliases ?? [])]) this.byName.set(name, def);
    }
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }

  get(name: string): MethodDef | undefined {
    return this.byName.get(name);
  }

  /** The declarations, sorted by wire name (aliases live in each def). */
  list(): MethodDef[] {
    return [...this.defs].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  /** Called for every call to a known method (the caller is authenticated by then). Returns an unsubscribe. */
  onCall(listener: CallListener): () => void {
    this.listeners.push(listener);
    return () => {
      const i = this.listeners.indexOf(listener);
      if (i >= 0) this.listeners.splice(i, 1);
    };
  }

  async call(method: string, params: unknown[], base: CallBase): Promise<unknown> {
    return this.invoke(method, params, base);
  }

  /**
   * call(), without a promise when the handler answers synchronously (echo, reads of cached
   * state): the wire path then encodes and answers in the same turn. Throws synchronously for
   * faults found before the handler runs or thrown by a synchronous handler.
   */
  invoke(method: string, params: unknown[], base: CallBase): unknown {
    // START/FINISH carry their bindings inline: a child logger per call costs more than the
    // rest of the call. Handlers that log get a child, made on first use.
    // A method name is the caller's text: one of unbounded length must not flood log or fault.
    if (method.length > MAX_METHOD_NAME) method = truncateText(method, MAX_METHOD_NAME);
    const ctx = new Call(method, base);
    const log = base.log;
    const logging = log.isLevelEnabled('info');
    const started = performance.now();
    const def = this.byName.get(method);
    if (logging) {
      // An unknown method has no secretArgs declaration (a misspelt password call?): log no values.
      const args = def ? summarizeArgsJson(params, this.secretPositions(def, params)) : `"${params.length} args"`;
      logCallStart(log, method, ctx.callId, base.remoteAddress, args);
    }
    let lease: Lease | undefined;
    try {
      if (!def) throw new AgentError('UNKNOWN_METHOD', `method ${method} is not supported`);
      if (this.listeners.length > 0) this.notify(ctx, log);
      if (def.access === 'owned' && !this.isOwned()) {
        throw new AgentError('NOT_OWNED', `${method} needs the host to be owned by a manager (take_ownership first)`);
      }
      if ((def.access === 'owned' || (def.access === 'setup' && this.isOwned())) && this.isOwner && !this.isOwner(base)) {
        throw new AgentError('FORBIDDEN', `${method} answers only the manager that owns this host`);
      }
      const args = validate(def, method, params, def.forwards ? this.secretPositions(def, params) : def.secretArgs);
      if (def.lock || def.locks) lease = this.locks.acquire({ id: `call:${ctx.callId}`, what: `${method} (call ${ctx.callId})` }, lockRequests(def, args));
      const result = def.handler(args, ctx);
      if (isThenable(result)) {
        // The locks are held until the promise settles; the finally below must not release them.
        const held = lease;
        lease = undefined;
        return Promise.resolve(result).then(
          (value) => {
            held?.release();
            if (logging) logCallOk(log, method, ctx.callId, elapsed(started));
            return value;
          },
          (err: unknown) => {
            held?.release();
            throw failed(log, err, started, method, ctx.callId);
          },
        );
      }
      if (logging) logCallOk(log, method, ctx.callId, elapsed(started));
      return result;
    } catch (err) {
      throw failed(log, err, started, method, ctx.callId);
    } finally {
      lease?.release();
    }
  }

  /** Secret argument positions of this call: its own, plus those of a method it forwards. */
  secretPositions(def: MethodDef, params: readonly unknown[]): readonly number[] | undefined {
    if (!def.forwards) return def.secretArgs;
    const at = def.forwards.methodArg;
    const name = params[at];
    const inner = typeof name === 'string' ? this.byName.get(name) : undefined;
    const forwarded = inner
      ? (inner.forwards ? params.map((_, i) => i).filter((i) => i > at) : (inner.secretArgs ?? []).map((i) => i + at + 1))
      : params.map((_, i) => i).filter((i) => i > at);
    return [...(def.secretArgs ?? []), ...forwarded];
  }

  private notify(info: CallInfo, log: Logger): void {
    for (const l of this.listeners) {
      try {
        l(info);
      } catch (err) {
        log.error({ err }, 'onCall listener failed');
      }
    }
  }
}

/** One call's context: a class, so every call has the same shape; its child logger is made on first use. */
class Call implements CallContext, CallInfo {
  readonly callId = randomUUID();
  readonly remoteAddress: string;
  readonly localAddress: string;
  readonly user: string;
  readonly peerCertificate: string | undefined;
  readonly signal: AbortSignal;
  private readonly base: Logger;
  private child: Logger | undefined;

  constructor(
    readonly method: string,
    base: CallBase,
  ) {
    this.remoteAddress = base.remoteAddress;
    this.localAddress = base.localAddress;
    this.user = base.user;
    this.peerCertificate = base.peerCertificate;
    this.signal = base.signal;
    this.base = base.log;
  }

  get log(): Logger {
    return (this.child ??= this.base.child({ method: this.method, callId: this.callId }));
  }
}

/** What a declaration holds for these arguments: the `lock` shorthand first, then `locks`. */
export function lockRequests(def: MethodDef, args: unknown[]): LockRequest[] {
  const out: LockRequest[] = def.lock ? [{ resource: def.lock, mode: 'exclusive' }] : [];
  if (def.locks) out.push(...def.locks(args));
  return out;
}

/** The declared holds in words, with `<n>` for argument n (method table, `hvagent call --help`). */
export function describeLocks(def: MethodDef): string {
  const placeholders = Array.from({ length: 8 }, (_, i) => `<${i + 1}>`);
  let reqs: LockRequest[];
  try {
    reqs = lockRequests(def, placeholders);
  } catch {
    return '(depends on the arguments)';
  }
  return reqs.map((r) => (r.mode === 'shared' ? `${r.resource} (shared)` : r.resource)).join(', ');
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 100) / 100;

function isThenable(v: unknown): v is PromiseLike<unknown> {
  return v !== null && typeof v === 'object' && typeof (v as { then?: unknown }).then === 'function';
}

/** Logs the FINISH of a failed call and returns what to throw: AgentErrors as they are, others with the call id. */
function failed(log: Logger, err: unknown, started: number, method: string, callId: string): unknown {
  logFailure(log, err, started, method, callId);
  return err instanceof AgentError ? err : withCallId(err, callId);
}

function logFailure(log: Logger, err: unknown, started: number, method: string, callId: string): void {
  const ms = elapsed(started);
  if (err instanceof AgentError && err.expected) {
    log.info({ method, callId, ms, ok: false, fault: err.num, code: err.code, reason: err.message }, 'FINISH');
  } else {
    const code = err instanceof AgentError ? err.code : 'INTERNAL';
    log.error({ method, callId, ms, ok: false, fault: err instanceof AgentError ? err.num : 9000, code, err }, 'FINISH');
  }
}

// Non-AgentErrors keep their identity for the log; faults.ts turns them into a generic fault.
function withCallId(err: unknown, callId: string): unknown {
  if (err && typeof err === 'object') {
    try {
      Object.defineProperty(err, 'callId', { value: callId, configurable: true });
    } catch {
      // frozen error objects: the fault simply carries no call id
    }
  }
  return err;
}

/** zod problems → one INVALID_ARGUMENT listing each by argument position, never echoing a value. */
function validate(def: MethodDef, method: string, params: unknown[], secrets: readonly number[] | undefined): unknown[] {
  // No struct member may be called like a member of Object.prototype, in any argument of any
  // method: such names must never reach code that uses them as keys.
  for (let i = 0; i < params.length; i++) {
    const hit = findReservedKey(params[i]);
    if (hit) {
      const where = hit.length > 1 ? ` (${hit.slice(0, -1).join('.')})` : '';
      throw new AgentError('INVALID_ARGUMENT', `${method}: argument ${i + 1}${where}: struct member name "${hit.at(-1)}" is reserved`);
    }
  }
  const r = def.params.safeParse(params);
  if (r.success) return r.data;
  const secret = new Set(secrets ?? []);
  const problems = r.error.issues.map((issue: z.core.$ZodIssue) => describeIssue(issue, secret, params));
  throw new AgentError('INVALID_ARGUMENT', `${method}: ${problems.join('; ')}`, { problems });
}

function describeIssue(issue: z.core.$ZodIssue, secret: Set<number>, params: readonly unknown[]): string {
  const [pos, ...rest] = issue.path;
  if (typeof pos !== 'number') return countMessage(issue, params.length);
  const where = `argument ${pos + 1}${rest.length ? ` (${rest.map(String).join('.')})` : ''}`;
  // Custom messages may quote the input; for a secret argument only the kind of problem is given.
  if (secret.has(pos)) return `${where}: invalid (${issue.code})`;
  // zod says only "Invalid input" for a union none of whose forms matched: say what came.
  const msg = issue.message === 'Invalid input' ? 'not one of the accepted forms' : issue.message;
  return `${where}: ${msg}; got ${shortValue(valueAt(params, issue.path))}`;
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let v = root;
  for (const k of path) {
    if (v === null || typeof v !== 'object' || !Object.prototype.hasOwnProperty.call(v, k)) return undefined;
    v = (v as Record<PropertyKey, unknown>)[k];
  }
  return v;
}

/** What came, in a few words: its kind and at most 40 characters of it. */
function shortValue(v: unknown): string {
  if (v === undefined) return 'nothing';
  if (v === null) return 'nil';
  if (typeof v === 'string') return `string ${JSON.stringify(truncateText(redactUrlCredentials(v), 40))}`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v === 'bigint' ? 'integer' : typeof v} ${truncateText(String(v), 40)}`;
  if (Array.isArray(v)) return `array of ${v.length}`;
  if (v instanceof Date) return 'dateTime';
  if (v instanceof Uint8Array) return `base64 of ${v.byteLength} bytes`;
  return `struct of ${Object.keys(v).length} members`;
}

function countMessage(issue: z.core.$ZodIssue, given: number): string {
  if (issue.code === 'too_big' && issue.origin === 'array') return `expected at most ${String(issue.maximum)} arguments, got ${given}`;
  if (issue.code === 'too_small' && issue.origin === 'array') return `expected at least ${String(issue.minimum)} arguments, got ${given}`;
  return `arguments: ${issue.message}`;
}

export { callFromWire } from './wire.js';
export type { WireBase } from './wire.js';
