// Socket-level helpers of the RPC server: TLS settings (suites, client certificates, no
// renegotiation, the fix for keep-alive 400s), the answer to a request node's parser refused,
// address keys, and the tracking of every connection that stop() cuts.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { TlsOptions, TLSSocket } from 'node:tls';
import type { Clock } from '../host/clock.js';

export function clientErrorStatus(code: string | undefined): string {
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return '408 Request Timeout';
  if (code === 'HPE_HEADER_OVERFLOW') return '431 Request Header Fields Too Large';
  return '400 Bad Request';
}

/**
 * Why keep-alive Python clients got HTTP 400 over TLS: node hands a TLS connection's decrypted
 * bytes straight to its HTTP parser (the stream is "consumed" in C++). When a request arrives
 * while the previous answer still fills the socket's write buffer, node pauses the socket and
 * the parser; but one TCP read can hold two TLS records (Python writes headers and body
 * separately) and the second still reaches the paused parser: HPE_PAUSED, answered 400. A
 * 'data' listener makes node read the socket through the JS stream instead, where pausing
 * really stops delivery. Plain TCP sockets do not have the problem.
 *
 * Reading through the JS stream costs about a tenth of a small call, so a connection switches
 * over only when node could pause it: once a write left the socket's buffer at its high-water
 * mark, or an answer waits behind another (pipelining). Called after each answer is written
 * and on each request (node's own writes, such as 100 Continue, also fill the buffer).
 */
export function readThroughJsIfBacklogged<S extends Socket>(socket: S, res?: ServerResponse): S {
  const s = socket as JsReadSocket;
  if (s[JS_READ] || !(s as Partial<TLSSocket>).encrypted) return socket;
  if (s.writableNeedDrain || (res !== undefined && res.socket !== socket)) {
    s[JS_READ] = true;
    s.on('data', noop);
  }
  return socket;
}

const JS_READ: unique symbol = Symbol('hvagent.jsRead');
type JsReadSocket = Socket & { [JS_READ]?: true };

/** A client may not renegotiate: each renegotiation costs the server a handshake. */
export function noRenegotiation(socket: TLSSocket): void {
  socket.disableRenegotiation();
}

/**
 * The TLS server options. With `askCert` a client is asked for a certificate but may connect
 * without one (Basic auth); one it shows is checked later: against rpc.clientCa (`ca`), and by
 * fingerprint against the owner manager's (peerFingerprint).
 */
export function tlsServerOptions(t: { cert: Buffer; key: Buffer; ca?: Buffer }, askCert: boolean): TlsOptions {
  return {
    cert: t.cert,
    key: t.key,
    ...(t.ca ? { ca: t.ca } : {}),
    ...(askCert ? { requestCert: true, rejectUnauthorized: false } : {}),
    minVersion: 'TLSv1.2',
    ciphers: TLS12_CIPHERS,
    honorCipherOrder: true,
  };
}

/** SHA-256 fingerprint of the client's certificate; fixed per connection, as renegotiation is refused. */
export function peerFingerprint(socket: TLSSocket): string | undefined {
  return socket.getPeerCertificate?.()?.fingerprint256 || undefined;
}

/** TLS 1.2: forward-secret AEAD suites only (TLS 1.3 suites are all of that kind). */
export const TLS12_CIPHERS = [
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');

function noop(): void {}

/** After an error answer: destroy the socket once written, or after a short grace at most. */
const CLOSE_GRACE_MS = 2_000;
export function closeSoon(socket: Socket, clock: Clock): void {
  const timer = clock.setTimeout(() => socket.destroy(), CLOSE_GRACE_MS);
  socket.once('close', () => timer.cancel());
  socket.destroySoon();
}

export function slotKey(s: { remoteAddress?: string; remotePort?: number }): string {
  return `${s.remoteAddress}|${s.remotePort}`;
}

export function plainAddress(a: string | undefined): string {
  if (!a) return '';
  return a.startsWith('::ffff:') ? a.slice(7) : a;
}

/**
 * Every TCP connection of a server (also those that never finished a TLS handshake or sent a
 * request: node's closeAllConnections does not know them), and the wait for calls in flight at
 * stop, bounded by a grace time.
 */
export class ConnectionTracker {
  private readonly sockets = new Set<Socket>();
  private drained: (() => void) | undefined;

  track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  /** Called when the count of calls in flight drops to 0. */
  idle(): void {
    this.drained?.();
  }

  /** Resolves when idle() is called or after graceMs, then once more at the end of that loop turn (the last answers are written then). */
  async drain(clock: Clock, graceMs: number): Promise<void> {
    const drained = new Promise<void>((resolve) => (this.drained = resolve));
    let timer: { cancel(): void } | undefined;
    const grace = new Promise<void>((resolve) => (timer = clock.setTimeout(resolve, graceMs)));
    await Promise.race([drained, grace]);
    timer?.cancel();
    await new Promise((resolve) => setImmediate(resolve));
  }

  destroyAll(): void {
    for (const s of this.sockets) s.destroy();
  }
}
