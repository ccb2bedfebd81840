// What the CloudStack order tier needs to talk as CloudStack's ovm3 plugin does: one call as its
// Connection makes it (Basic auth as oracle, one POST, the raw answer kept) and its readers of the
// answers (OvmObject.xmlToMap over an XPath-like path, the types Apache XML-RPC builds).
import * as http from 'node:http';
import * as https from 'node:https';
import type { AddressInfo } from 'node:net';
import { XMLParser } from 'fast-xml-parser';
import { encodeMethodCall, decodeMethodResponse } from '../../src/rpc/codec/index.js';
import type { RunningSandbox } from './sandbox.js';
import { responseShape } from './wire-shape.js';

export interface Answer {
  value: unknown;
  raw: string;
}
export type CsCall = (method: string, ...params: unknown[]) => Promise<Answer>;

export function csCaller(sb: RunningSandbox): { call: CsCall; close: () => void } {
  const u = new URL(sb.info.url);
  const agent = new https.Agent({ keepAlive: true, rejectUnauthorized: false });
  const call: CsCall = (method, ...params) =>
    new Promise((resolve, reject) => {
      const body = encodeMethodCall(method, params);
      const req = https.request(
        { host: u.hostname, port: u.port, path: u.pathname, method: 'POST', agent, auth: `oracle:${sb.info.password}`, headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body) } },
        (res) => {
          let raw = '';
          res.setEncoding('utf8');
          res.on('data', (c) => (raw += c));
          res.on('end', () => {
            const r = decodeMethodResponse(raw, { maxDepth: 256 }) as { ok: boolean; value?: unknown; fault?: { faultString: string } };
            if (r.ok) resolve({ value: r.value, raw });
            else reject(new Error(`${method}: ${r.fault?.faultString}`));
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { call, close: () => agent.destroy() };
}

export type El = Record<string, unknown>;
const xp = new XMLParser({ preserveOrder: true, ignoreAttributes: false, attributeNamePrefix: '', parseTagValue: false });
const tag = (n: El) => Object.keys(n).find((k) => k !== ':@') ?? '';
const kids = (n: El) => ((n[tag(n)] as El[]) ?? []).filter((k) => tag(k) !== '#text');
export const textOf = (n: El): string => ((n[tag(n)] as El[]) ?? []).map((k) => (tag(k) === '#text' ? String(k['#text']) : textOf(k))).join('');

/** Elements at a path like `Discover_Network_Result/Network/Active/Bridges/Device[@Name='x']`. */
export function select(doc: string, p: string): El[] {
  let cur = (xp.parse(doc) as El[]).filter((n) => !tag(n).startsWith('?'));
  // Steps split at '/' outside [@Attr='…'] (a Dir attribute holds slashes).
  for (const [i, step] of (p.match(/[^/[]+(?:\[[^\]]*\])?/g) ?? []).entries()) {
    const m = /^([\w.]+)(?:\[@(\w+)='([^']*)'\])?$/.exec(step);
    if (!m) throw new Error(step);
    const pool = i === 0 ? cur : cur.flatMap(kids);
    cur = pool.filter((n) => tag(n) === m[1] && (!m[2] || ((n[':@'] as El | undefined)?.[m[2]] as string) === m[3]));
  }
  return cur;
}

/** CloudStack's OvmObject.xmlToMap: children with at most one child node, name → text. */
export function xmlToMap(doc: string, p: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const n of select(doc, p)) for (const c of kids(n)) if (((c[tag(c)] as El[]) ?? []).length <= 1) out[tag(c)] = textOf(c);
  return out;
}

/** CloudStack's OvmObject.xmlToList of an attribute: `…/storage_plugin_info/@plugin_impl_name`. */
export function attrList(doc: string, p: string, attr: string): string[] {
  return select(doc, p).map((n) => String((n[':@'] as El | undefined)?.[attr] ?? ''));
}

/** The type CloudStack's Apache XML-RPC client builds for a struct member (<i8> → Long). */
export const typeAt = (a: Answer, p: string) => [...responseShape(a.raw)].find((l) => l.startsWith(`${p}: `))?.split(': ')[1];

/** A one-file HTTP server on loopback (what import_virtual_disk downloads). */
export async function serveFile(t: { teardown(fn: () => unknown): void }, body: Buffer): Promise<string> {
  const srv = http.createServer((_q, res) => res.writeHead(200, { 'Content-Length': body.length }).end(body));
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
  return `http://127.0.0.1:${(srv.address() as AddressInfo).port}`;
}
