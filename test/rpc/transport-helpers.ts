// Shared by the transport, interop and password tests: a temp sysroot config, a silent logger,
// a fake clock that records sleeps, and a tiny HTTP(S) client for raw requests.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as http from 'node:http';
import * as https from 'node:https';
import pino from 'pino';
import { parseConfig, type AgentConfig, type AgentConfigInput } from '../../src/core/config/schema.js';
import type { Clock } from '../../src/host/clock.js';

export const silentLog = pino({ level: 'silent' });

const made: string[] = [];
process.on('exit', () => {
  for (const d of made) fs.rmSync(d, { recursive: true, force: true });
});

/** A temp sysroot, removed when the test process exits. */
export function tempSysroot(prefix = 'hvagent-rpc-'): string {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

export function testConfig(sysroot: string, rpc: NonNullable<AgentConfigInput['rpc']> = {}): AgentConfig {
  const r = parseConfig({ paths: { sysroot }, rpc: { address: '127.0.0.1', ...rpc } });
  if (!r.ok) throw new Error(JSON.stringify(r.problems));
  // The config refuses port 0 (a real agent needs a known port); tests want a free one.
  return { ...r.config, rpc: { ...r.config.rpc, port: 0 } };
}

/** A clock whose sleeps resolve at once, are recorded and move its time; nothing else moves it. */
export class FakeClock implements Clock {
  t = 1_000_000;
  readonly sleeps: number[] = [];
  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number) {
    const h = setTimeout(fn, ms);
    return { cancel: () => clearTimeout(h) };
  }
  async sleep(ms: number): Promise<void> {
    this.sleeps.push(ms);
    this.t += ms;
  }
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface RawRequest {
  port: number;
  tls?: boolean;
  path?: string;
  method?: string;
  body?: string | Buffer;
  user?: string;
  password?: string;
  headers?: Record<string, string>;
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  agent?: http.Agent;
}

export function basic(user: string, password: string): string {
  return 'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');
}

export function rawRequest(o: RawRequest): Promise<RawResponse> {
  const headers: Record<string, string> = { 'Content-Type': 'text/xml', ...o.headers };
  if (o.password !== undefined) headers.Authorization = basic(o.user ?? 'oracle', o.password);
  const opts: https.RequestOptions = {
    host: '127.0.0.1',
    port: o.port,
    path: o.path ?? '/RPC2',
    method: o.method ?? 'POST',
    headers,
    agent: o.agent ?? false,
    ...(o.tls === false ? {} : { ca: o.ca, cert: o.cert, key: o.key, rejectUnauthorized: !!o.ca }),
  };
  return new Promise((resolve, reject) => {
    const req = (o.tls === false ? http : https).request(opts, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body ?? '');
  });
}

export function echoCall(text: string): string {
  return `<?xml version="1.0"?><methodCall><methodName>echo</methodName><params><param><value><string>${text}</string></value></param></params></methodCall>`;
}
