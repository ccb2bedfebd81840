// HTTP(S) download into a file: bounded redirects, an idle timeout, abort through a signal,
// holes kept, size checked against Content-Length, and the file put under its final name only
// when complete (a failed or aborted download leaves nothing behind).
import * as http from 'node:http';
import * as https from 'node:https';
import * as fsp from 'node:fs/promises';
import { AgentError, isAgentError } from '../core/errors.js';
import { SparseWriter } from './sparse-copy.js';
import { commitTemp, tempPathFor } from './temp-file.js';

export interface DownloadOptions {
  signal?: AbortSignal;
  onProgress?: (received: number, total: number | undefined) => void;
  /** Redirects followed before giving up (default 5). */
  maxRedirects?: number;
  /** No byte for this long fails the download (default 60 s). */
  idleTimeoutMs?: number;
  /** Keep holes (default true). */
  sparse?: boolean;
  /** Refuse to replace an existing file (default true). */
  noClobber?: boolean;
  /** Extra trusted CA certificates (PEM) for https URLs; the system store is used otherwise. */
  ca?: string | Buffer;
  /** Where the body is written before it is put in place (default a fresh temp name beside it). */
  tempPath?: string;
  /** Called with the whole temp file just before it is put under its final name (an intent's step). */
  beforeCommit?: (tmp: string) => Promise<void> | void;
}

export interface DownloadResult {
  bytes: number;
  /** The URL the body finally came from (after redirects), without credentials. */
  url: string;
}

/** A URL fit for logs and faults: user info removed (it may hold a password). */
export function urlForLog(u: string | URL): string {
  try {
    const url = new URL(u.toString());
    url.username = '';
    url.password = '';
    return url.toString();
  } catch {
    return '(unparsable URL)';
  }
}

export function parseDownloadUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new AgentError('INVALID_ARGUMENT', `not a URL: ${urlForLog(raw)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new AgentError('INVALID_ARGUMENT', `only http and https URLs can be imported: ${urlForLog(url)}`);
  }
  return url;
}

const importFailed = (msg: string, detail?: Record<string, unknown>) => new AgentError('STORAGE_IMPORT_FAILED', msg, detail);

/** Set when the idle timer fired: the stream then fails with a bare ECONNRESET, not our error. */
interface Watch {
  timeout?: AgentError;
}

function get(url: URL, opts: DownloadOptions, watch: Watch): Promise<{ req: http.ClientRequest; res: http.IncomingMessage }> {
  return new Promise((resolve, reject) => {
    const headers = { 'accept-encoding': 'identity', 'user-agent': 'hvagent' };
    const req =
      url.protocol === 'https:'
        ? https.get(url, { signal: opts.signal, headers, ...(opts.ca ? { ca: opts.ca } : {}) })
        : http.get(url, { signal: opts.signal, headers });
    req.setTimeout(opts.idleTimeoutMs ?? 60_000, () => {
      watch.timeout = new AgentError('TIMEOUT', `no data from ${urlForLog(url)} for ${opts.idleTimeoutMs ?? 60_000} ms`);
      req.destroy(watch.timeout);
    });
    req.once('response', (res) => resolve({ req, res }));
    req.once('error', reject);
  });
}

async function openResponse(start: URL, opts: DownloadOptions, watch: Watch): Promise<{ req: http.ClientRequest; res: http.IncomingMessage; url: URL }> {
  let url = start;
  const max = opts.maxRedirects ?? 5;
  for (let hops = 0; ; hops++) {
    const { req, res } = await get(url, opts, watch);
    const status = res.statusCode ?? 0;
    if ([301, 302, 303, 307, 308].includes(status) && res.headers.location) {
      res.resume();
      if (hops >= max) throw importFailed(`more than ${max} redirects from ${urlForLog(start)}`);
      url = parseDownloadUrl(new URL(res.headers.location, url).toString());
      continue;
    }
    if (status !== 200) {
      res.resume();
      throw importFailed(`HTTP ${status} from ${urlForLog(url)}`, { status });
    }
    return { req, res, url };
  }
}

/** Download `rawUrl` to the real path `finalPath`. */
export async function downloadToFile(rawUrl: string, finalPath: string, opts: DownloadOptions = {}): Promise<DownloadResult> {
  const start = parseDownloadUrl(rawUrl);
  let writer: SparseWriter | undefined;
  const watch: Watch = {};
  try {
    const { res, url } = await openResponse(start, opts, watch);
    const lenHeader = res.headers['content-length'];
    const expected = lenHeader !== undefined && /^\d+$/.test(lenHeader) ? Number(lenHeader) : undefined;
    writer = await SparseWriter.create(opts.tempPath ?? tempPathFor(finalPath), { sparse: opts.sparse ?? true });
    let received = 0;
    for await (const chunk of res as AsyncIterable<Buffer>) {
      received += chunk.length;
      if (expected !== undefined && received > expected) throw new AgentError('STORAGE_SIZE_MISMATCH', `${urlForLog(url)} sent more than its Content-Length ${expected}`);
      await writer.write(chunk);
      opts.onProgress?.(received, expected);
    }
    if (!res.complete) throw importFailed(`the connection to ${urlForLog(url)} closed early after ${received} bytes`);
    if (expected !== undefined && received !== expected) {
      throw new AgentError('STORAGE_SIZE_MISMATCH', `${urlForLog(url)} sent ${received} bytes, Content-Length said ${expected}`, { received, expected });
    }
    opts.signal?.throwIfAborted();
    const bytes = await writer.finish();
    const tmp = writer.path;
    writer = undefined;
    try {
      await opts.beforeCommit?.(tmp);
      await commitTemp(tmp, finalPath, { noClobber: opts.noClobber ?? true });
    } catch (e) {
      await fsp.rm(tmp, { force: true });
      throw e;
    }
    return { bytes, url: urlForLog(url) };
  } catch (e) {
    if (writer) await writer.discard();
    if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new AgentError('JOB_ABORTED', 'download aborted');
    if (watch.timeout) throw watch.timeout;
    if (isAgentError(e)) throw e;
    const err = e as NodeJS.ErrnoException;
    throw importFailed(`download of ${urlForLog(start)} failed: ${err.code ?? err.message}`);
  }
}
