// Our XML-RPC client (node:http/https, keep-alive): used by `dispatch` and by the event and
// statistics pushes. Faults become RemoteFault; transport failures DISPATCH_FAILED, never
// with the password in the message.
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { AgentError } from '../core/errors.js';
import { decodeMethodResponse } from './codec/decode.js';
import { encodeMethodCall } from './codec/encode.js';
import type { XmlRpcValue } from './method.js';
import { RemoteFault } from './remote-fault.js';

export { RemoteFault };

export interface XmlRpcClientOptions {
  /** http(s)://[user:password@]host:port/path — path `/`, `/RPC2`, `/api/3/`... as given. */
  url: string;
  /** Whole-call deadline; default 20 minutes, as the manager's own clients use. */
  timeoutMs?: number;
  /** CA bundle (PEM) the server certificate must chain to. */
  ca?: string | Buffer | Array<string | Buffer>;
  /** Verify the server certificate (default true; dispatch turns it off when no CA is configured). */
  rejectUnauthorized?: boolean;
  /** Largest response body accepted (default 64 MiB). */
  maxResponseBytes?: number;
  /** XML nesting limit for responses (default 256: our own answers nest deeper than requests). */
  maxDepth?: number;
  /** Connect to this address whatever the URL's host name resolves to (pinned push URLs). */
  connectTo?: string;
}

export interface CallOptions {
  signal?: AbortSignal;
}

/** What dispatch and the pushes need from a client (tests pass fakes). */
export interface RpcCaller {
  call(method: string, params: readonly unknown[], opts?: CallOptions): Promise<XmlRpcValue>;
  close(): void;
}

export class XmlRpcClient implements RpcCaller {
  /** The URL without credentials, safe for logs and messages. */
  readonly where: string;
  private readonly target: URL;
  private readonly auth: string | undefined;
  private readonly agent: http.Agent;
  private readonly timeoutMs: number;
  private readonly maxResponseBytes: number;
  private readonly maxDepth: number;
  private readonly connectTo: string | undefined;

  constructor(opts: XmlRpcClientOptions) {
    let u: URL;
    try {
      u = new URL(opts.url);
    } catch {
      throw new AgentError('INVALID_ARGUMENT', 'the agent URL is not a valid URL');
    }
    if (u.protocol !== 'http:' && u.protocol !== 'https:') {
      throw new AgentError('INVALID_ARGUMENT', `the agent URL must be http or https, not ${u.protocol}`);
    }
    if (u.username || u.password) {
      const user = decodeURIComponent(u.username);
      const pass = decodeURIComponent(u.password);
      this.auth = `Basic ${Buffer.from(`${user}:${pass}`).toString('base64')}`;
    }
    u.username = '';
    u.password = '';
    this.target = u;
    this.where = `${u.protocol}//${u.host}${u.pathname}`;
    this.timeoutMs = opts.timeoutMs ?? 20 * 60_000;
    this.maxResponseBytes = opts.maxResponseBytes ?? 64 * 1024 * 1024;
    this.maxDepth = opts.maxDepth ?? 256;
    this.connectTo = opts.connectTo;
    this.agent =
      u.protocol === 'https:'
        ? new https.Agent({ keepAlive: true, ca: opts.ca, rejectUnauthorized: opts.rejectUnauthorized ?? true })
        : new http.Agent({ keepAlive: true });
  }

  async call(method: string, params: readonly unknown[], opts: CallOptions = {}): Promise<XmlRpcValue> {
    const body = Buffer.from(encodeMethodCall(method, params), 'utf8');
    const { status, text } = await this.post(method, body, opts.signal);
    if (status !== 200) throw this.failure(method, `HTTP ${status}${status === 401 ? ' (bad credentials)' : ''}`);
    let res;
    try {
      res = decodeMethodResponse(text, { maxDepth: this.maxDepth });
    } catch (err) {
      throw this.failure(method, `invalid response: ${(err as Error).message}`);
    }
    if (!res.ok) throw new RemoteFault(res.fault.faultCode, res.fault.faultString, `${method} at ${this.where}`);
    return res.value;
  }

  /** Drop idle keep-alive sockets. */
  close(): void {
    this.agent.destroy();
  }

  private failure(method: string, why: string): AgentError {
    return new AgentError('DISPATCH_FAILED', `call ${method} to ${this.where} failed: ${why}`);
  }

  private post(method: string, body: Buffer, signal?: AbortSignal): Promise<{ status: number; text: Buffer }> {
    const u = this.target;
    const mod = u.protocol === 'https:' ? https : http;
    const headers: Record<string, string | number> = {
      'Content-Type': 'text/xml',
      'Content-Length': body.length,
      'User-Agent': 'hvagent',
    };
    if (this.auth) headers.Authorization = this.auth;
    return new Promise((resolve, reject) => {
      let settled = false;
      const done = (err: AgentError | null, v?: { status: number; text: Buffer }) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (err) {
          req.destroy();
          reject(err);
        } else resolve(v!);
      };
      const req = mod.request(
        {
          protocol: u.protocol,
          hostname: u.hostname.replace(/^\[|\]$/g, ''),
          port: u.port || (u.protocol === 'https:' ? 443 : 80),
          path: `${u.pathname}${u.search}`,
          method: 'POST',
          headers,
          agent: this.agent,
          ...(this.connectTo ? { lookup: pinnedLookup(this.connectTo) } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (c: Buffer) => {
            size += c.length;
            if (size > this.maxResponseBytes) done(this.failure(method, `response larger than ${this.maxResponseBytes} bytes`));
            else chunks.push(c);
          });
          res.on('end', () => done(null, { status: res.statusCode ?? 0, text: Buffer.concat(chunks) }));
          res.on('error', (e) => done(this.failure(method, e.message)));
        },
      );
      // Node's socket errors name host and port, never the credentials (they are only in a header).
      req.on('error', (e: Error) => done(this.failure(method, e.message)));
      const timer = setTimeout(() => done(this.failure(method, `no answer within ${this.timeoutMs} ms`)), this.timeoutMs);
      const onAbort = () => done(this.failure(method, 'aborted'));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
      req.end(body);
    });
  }
}

/** A lookup that answers `address` for any name: the URL's name stays in Host and SNI. */
function pinnedLookup(address: string): LookupFunction {
  const family = isIP(address) || 4;
  return ((_host: string, opts: { all?: boolean }, cb: (err: null, a: unknown, f?: number) => void) => {
    if (opts?.all) cb(null, [{ address, family }]);
    else cb(null, address, family);
  }) as unknown as LookupFunction;
}
