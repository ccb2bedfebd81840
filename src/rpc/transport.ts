// The XML-RPC HTTP(S) server: the four API paths, POST only, Basic auth (or a client certificate
// signed by rpc.clientCa) before anything runs, connection slots (admission.ts), throttled failures,
// body/header/idle limits, the fingerprint of the client's certificate for the owner check, and
// one hand-off of the raw body to the registry, whose answer is sent.
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import type { Logger } from 'pino';
import type { AgentConfig } from '../core/config/schema.js';
import type { Clock } from '../host/clock.js';
import { AGENT_USER } from '../services/auth/password-store.js';
import { AuthThrottle, ParallelLimit } from './auth-throttle.js';
import { Admission, type Admitted } from './admission.js';
import { ConnectionTracker, clientErrorStatus, closeSoon, peerFingerprint, plainAddress, slotKey, tlsServerOptions, noRenegotiation, readThroughJsIfBacklogged } from './transport-sockets.js';
import { encodeFault } from './codec/encode.js';
import { internalFault } from './faults.js';
import type { WireBase } from './wire.js';

export type { WireBase };

/** `(body, base) => callFromWire(registry, body, base)` in production: the answer, or a promise of it. */
export type WireHandler = (body: Buffer, base: WireBase) => string | Promise<string>;

/** The part of PasswordStore the transport needs. */
export interface HeaderVerifier {
  isCachedHeader(header: string): boolean;
  verifyHeader(header: string | undefined): Promise<boolean>;
  /** Changes whenever verified credentials stop being valid (password changed, file replaced). */
  epoch(): number;
}

/**
 * What one connection has shown so far: the Authorization header that was verified on it (and
 * when), and the call fields that stay the same for all its calls. A keep-alive manager's
 * next call then needs neither a hash of its header nor new call fields. Comparing the header
 * with plain string equality is safe here: only the peer of this connection, which sent that
 * header, can probe it.
 */
interface ConnState {
  header: string | undefined;
  epoch: number;
  base: WireBase | undefined;
  /** Its slot (found once, by address and port, from the TCP connection under TLS). */
  slot: Admitted | undefined;
}

const CONN: unique symbol = Symbol('hvagent.conn');
type ConnSocket = TLSSocket & { [CONN]?: ConnState };

export interface RpcServerDeps {
  rpc: AgentConfig['rpc'];
  log: Logger;
  handle: WireHandler;
  passwords: HeaderVerifier;
  /** PEM material; required unless rpc.tls is false. */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
  clock: Clock;
  /** The owner manager's address when the host is owned: it always gets a connection slot. */
  ownerAddress?: () => string | undefined;
}

export const RPC_PATHS: ReadonlySet<string> = new Set(['/', '/RPC2', '/api/3', '/api/3/']);

/** Password checks (scrypt, 16 MiB each) that run at once; the others wait their turn. */
const PARALLEL_CHECKS = 2;
/** Seconds a refused client is asked to wait (HTTP 503 Retry-After). */
const RETRY_AFTER_S = 5;

/** Grace given to calls in flight by stop() before their connections are cut. */
const STOP_GRACE_MS = 10_000;

const HTTP_OPTIONS: http.ServerOptions = {
  noDelay: true,
  // How often node looks for connections past the headers/request timeouts (its default is 30 s).
  connectionsCheckingInterval: 1000,
};

const TEXT = { 'Content-Type': 'text/plain; charset=utf-8' };

function connState(socket: ConnSocket): ConnState {
  return (socket[CONN] ??= { header: undefined, epoch: -1, base: undefined, slot: undefined });
}

export class RpcServer {
  private server: http.Server | undefined;
  private readonly abort = new AbortController();
  readonly throttle: AuthThrottle;
  private readonly rpc: AgentConfig['rpc'];
  private readonly mtls: boolean;
  /** Clients are asked for a certificate: mutual TLS, or the owner check by certificate. */
  private readonly askCert: boolean;
  private inFlight = 0;
  private readonly conns = new ConnectionTracker();
  /** Answers waiting for the end of this loop turn: response, XML, response, XML, ... */
  private answers: Array<http.ServerResponse | string> = [];
  readonly admission: Admission;
  /** Slots of open TCP connections by address and port (TLS sockets find theirs here). */
  private readonly slots = new Map<string, Admitted>();
  private readonly checks = new ParallelLimit(PARALLEL_CHECKS);

  constructor(private readonly deps: RpcServerDeps) {
    this.rpc = deps.rpc;
    this.mtls = deps.rpc.tls && !!deps.tls?.ca;
    this.askCert = deps.rpc.tls && (this.mtls || deps.rpc.ownerCheck === 'certificate');
    this.throttle = new AuthThrottle({
      clock: deps.clock,
      failuresBeforeDelay: deps.rpc.authFailuresBeforeDelay,
      globalFailuresBeforeDelay: deps.rpc.authGlobalFailuresBeforeDelay,
    });
    const r = deps.rpc;
    this.admission = new Admission({
      clock: deps.clock,
      ownerAddress: deps.ownerAddress ?? (() => undefined),
      limits: {
        maxConnections: r.maxConnections,
        maxUnauthenticated: Math.min(r.maxUnauthenticated, r.maxConnections),
        maxPerAddress: r.maxConnectionsPerAddress,
        ownerReserved: Math.min(r.ownerReservedConnections, r.maxConnections - 1),
        authTimeoutMs: r.authTimeoutMs,
        refusalPool: r.maxRefusedConnections,
        refusalTimeoutMs: Math.min(r.authTimeoutMs, 5_000),
      },
    });
  }

  /** Listens on rpc.address:rpc.port; resolves with the bound address (port 0 picks a free one). */
  async start(): Promise<{ address: string; port: number; tls: boolean }> {
    const { rpc } = this;
    let server: http.Server;
    if (rpc.tls) {
      if (!this.deps.tls) throw new Error('RpcServer: TLS is on but no key pair was given');
      server = https.createServer({ ...tlsServerOptions(this.deps.tls, this.askCert), ...HTTP_OPTIONS });
    } else server = http.createServer(HTTP_OPTIONS);
    server.on('request', this.onRequest);
    server.keepAliveTimeout = rpc.keepAliveTimeoutMs;
    server.requestTimeout = rpc.requestTimeoutMs;
    // node refuses a headers timeout longer than a non-zero request timeout.
    server.headersTimeout = rpc.requestTimeoutMs > 0 ? Math.min(rpc.headersTimeoutMs, rpc.requestTimeoutMs) : rpc.headersTimeoutMs;
    // Past this hard bound node closes new connections at once; below it, admission decides.
    server.maxConnections = rpc.maxConnections + rpc.maxRefusedConnections;
    server.on('connection', this.onConnection);
    server.on('clientError', (err: NodeJS.ErrnoException, socket) => {
      if (err.code !== 'ECONNRESET') this.deps.log.debug({ err: err.message, code: err.code }, 'client error');
      // The server keeps half-open sockets (allowHalfOpen): end() alone would leave this one open
      // for as long as the peer keeps its side, so it is destroyed once the answer is out.
      if (socket.writable && !socket.destroyed) {
        socket.end(`HTTP/1.1 ${clientErrorStatus(err.code)}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        closeSoon(socket as Socket, this.deps.clock);
      } else socket.destroy();
    });
    if (rpc.tls) {
      server.on('tlsClientError', (err: Error) => this.deps.log.debug({ err: err.message }, 'TLS handshake failed'));
      server.on('secureConnection', noRenegotiation);
    }
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      // A deep accept queue: a burst of clients waits to be answered (or refused) instead of reset.
      server.listen({ port: rpc.port, host: rpc.address, backlog: 4096 }, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const a = server.address() as AddressInfo;
    this.deps.log.info({ address: a.address, port: a.port, tls: rpc.tls, mutualTls: this.mtls }, 'RPC server listening');
    return { address: a.address, port: a.port, tls: rpc.tls };
  }

  /** Connections the server holds open now (for tests, the bench and the status). */
  openConnections(): Promise<number> {
    const server = this.server;
    if (!server) return Promise.resolve(0);
    return new Promise((resolve, reject) => server.getConnections((err, n) => (err ? reject(err) : resolve(n))));
  }

  /**
   * Stops accepting, lets calls in flight finish and answers them (bounded by graceMs), then
   * cuts every connection left: idle keep-alives, unauthenticated ones and sockets that never
   * finished a TLS handshake would otherwise hold the stop forever.
   */
  async stop(graceMs = STOP_GRACE_MS): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    server.closeIdleConnections();
    this.abort.abort(new Error('agent shutting down'));
    if (this.inFlight > 0) await this.conns.drain(this.deps.clock, graceMs);
    server.closeAllConnections();
    this.conns.destroyAll();
    await closed;
  }

  /** A new TCP connection (under TLS: before the handshake) gets a slot, a refusal or nothing. */
  private readonly onConnection = (socket: Socket): void => {
    this.conns.track(socket);
    const slot = this.admission.open(plainAddress(socket.remoteAddress), () => socket.destroy());
    if (slot.verdict === 'drop') {
      socket.destroy();
      return;
    }
    const key = slotKey(socket);
    this.slots.set(key, slot);
    socket.once('close', () => {
      this.admission.close(slot);
      if (this.slots.get(key) === slot) this.slots.delete(key);
    });
  };

  private slotOf(socket: ConnSocket): Admitted | undefined {
    const conn = connState(socket);
    return (conn.slot ??= this.slots.get(slotKey(socket)));
  }

  private authenticated(socket: ConnSocket): void {
    const slot = this.slotOf(socket);
    if (slot) this.admission.authenticated(slot);
  }

  private readonly onRequest = (req: http.IncomingMessage, res: http.ServerResponse): void => {
    const socket = readThroughJsIfBacklogged(req.socket as ConnSocket);
    if (this.slotOf(socket)?.verdict === 'refuse') {
      res.setHeader('Retry-After', String(RETRY_AFTER_S));
      return this.reply(res, 503, 'too many connections; retry later\n', true);
    }
    const url = req.url ?? '';
    const q = url.indexOf('?');
    if (!RPC_PATHS.has(q < 0 ? url : url.slice(0, q))) return this.reply(res, 404, 'not found\n');
    if (req.method !== 'POST') {
      res.setHeader('Allow', 'POST');
      return this.reply(res, 405, 'method not allowed\n');
    }
    if (this.mtls && socket.authorized) {
      this.authenticated(socket);
      return this.readBody(req, res, AGENT_USER);
    }
    const header = req.headers.authorization;
    if (header) {
      const epoch = this.deps.passwords.epoch();
      const conn = socket[CONN];
      if (conn !== undefined && conn.header === header && conn.epoch === epoch) return this.readBody(req, res, AGENT_USER);
      if (this.deps.passwords.isCachedHeader(header)) return this.verified(req, res, header, epoch);
    }
    void this.checkPassword(req, res, header);
  };

  /**
   * Remembers the header on its connection, then reads the call. `epoch` is the store's epoch
   * from before the check: if the password changed while it ran, the header is checked again.
   */
  private verified(req: http.IncomingMessage, res: http.ServerResponse, header: string, epoch: number): void {
    const conn = connState(req.socket as ConnSocket);
    conn.header = header;
    conn.epoch = epoch;
    this.authenticated(req.socket as ConnSocket);
    this.readBody(req, res, AGENT_USER);
  }

  /**
   * A right password is checked and answered at once (after at most PARALLEL_CHECKS-wide queueing);
   * only a wrong one is held back, by the failures of its address and of everyone. Guessing is
   * then bounded by the unauthenticated slots over the delay, and never locks the owner out.
   */
  private async checkPassword(req: http.IncomingMessage, res: http.ServerResponse, header: string | undefined): Promise<void> {
    const addr = plainAddress(req.socket.remoteAddress);
    const epoch = this.deps.passwords.epoch();
    let ok = false;
    if (header) {
      try {
        ok = await this.checks.run(() => this.deps.passwords.verifyHeader(header));
      } catch (e) {
        if (!this.abort.signal.aborted) this.deps.log.error({ err: e }, 'password check failed');
      }
    }
    if (ok) {
      this.throttle.recordSuccess(addr);
      return this.verified(req, res, header!, epoch);
    }
    // A missing header is not a guess (clients may wait for the challenge), so it is not counted.
    const { failures, delayMs } = header ? this.throttle.failed(addr) : { failures: this.throttle.failures(addr), delayMs: 0 };
    this.deps.log.warn({ remoteAddress: addr, failures, credentials: header ? 'wrong' : 'missing' }, 'authentication failed');
    if (delayMs > 0) await this.deps.clock.sleep(delayMs, this.abort.signal).catch(() => undefined);
    res.setHeader('WWW-Authenticate', 'Basic realm="hvagent"');
    this.reply(res, 401, 'authentication required\n', true);
  }

  private readBody(req: http.IncomingMessage, res: http.ServerResponse, user: string): void {
    const max = this.rpc.maxBodyBytes;
    const declared = Number(req.headers['content-length']);
    if (declared > max) return this.tooLarge(req, res);
    const chunks: Buffer[] = [];
    let size = 0;
    let stopped = false;
    req.on('data', (c: Buffer) => {
      if (stopped) return;
      size += c.length;
      if (size > max) {
        stopped = true;
        chunks.length = 0;
        return this.tooLarge(req, res);
      }
      chunks.push(c);
    });
    req.on('error', () => {
      stopped = true;
    });
    req.on('end', () => {
      if (stopped) return;
      const body = chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size);
      this.dispatch(req, res, body, user);
    });
  }

  private tooLarge(req: http.IncomingMessage, res: http.ServerResponse): void {
    // Stop reading at the limit: answer, then close the connection instead of draining the rest.
    req.pause();
    this.reply(res, 413, `request body larger than ${this.rpc.maxBodyBytes} bytes\n`, true);
    res.once('finish', () => req.socket.destroySoon());
  }

  private dispatch(req: http.IncomingMessage, res: http.ServerResponse, body: Buffer, user: string): void {
    const conn = connState(req.socket as ConnSocket);
    let base = conn.base;
    if (base === undefined || base.user !== user) {
      base = conn.base = {
        remoteAddress: plainAddress(req.socket.remoteAddress),
        localAddress: plainAddress(req.socket.localAddress),
        user,
        signal: this.abort.signal,
        log: this.deps.log,
        maxDepth: this.rpc.maxXmlDepth,
      };
      if (this.askCert) base.peerCertificate = peerFingerprint(req.socket as TLSSocket);
    }
    this.inFlight++;
    let answer: string | Promise<string>;
    try {
      answer = this.deps.handle(body, base);
    } catch (err) {
      answer = Promise.reject(err);
    }
    if (typeof answer === 'string') return this.queueAnswer(res, answer);
    answer.then(
      (xml) => this.queueAnswer(res, xml),
      (err: unknown) => {
        this.deps.log.error({ err }, 'RPC handler threw');
        this.queueAnswer(res, encodeFault(internalFault(undefined)));
      },
    );
  }

  /**
   * Answers are written together once the event loop has read everything that was ready (a
   * setImmediate after the poll phase), as Redis writes its replies before it sleeps. Under load
   * the loop then reads all ready requests and answers them all instead of alternating:
   * measured on this machine, that cut the server's CPU time per call by about a third, most
   * of it kernel time spent waking the peer on each write. Alone, an answer waits only for the
   * end of the current loop turn.
   */
  private queueAnswer(res: http.ServerResponse, xml: string): void {
    this.answers.push(res, xml);
    if (this.answers.length === 2) setImmediate(this.writeAnswers);
  }

  private readonly writeAnswers = (): void => {
    const batch = this.answers;
    this.answers = [];
    for (let i = 0; i < batch.length; i += 2) {
      this.inFlight--;
      try {
        this.sendXml(batch[i] as http.ServerResponse, batch[i + 1] as string);
      } catch (err) {
        this.deps.log.error({ err }, 'writing an answer failed');
      }
    }
    if (this.inFlight === 0) this.conns.idle();
  };

  private sendXml(res: http.ServerResponse, xml: string): void {
    if (res.destroyed) return;
    res.writeHead(200, ['Content-Type', 'text/xml', 'Content-Length', String(Buffer.byteLength(xml))]);
    res.end(xml);
    readThroughJsIfBacklogged(res.req.socket, res);
  }

  private reply(res: http.ServerResponse, status: number, text: string, close = false): void {
    if (res.headersSent || res.destroyed) return;
    if (close) res.setHeader('Connection', 'close');
    res.writeHead(status, { ...TEXT, 'Content-Length': Buffer.byteLength(text) });
    res.end(text);
    readThroughJsIfBacklogged(res.req.socket, res);
  }
}
