// The agent password (user `oracle`): kept only as a salted scrypt hash in rpc.passwordFile, plus an
// in-memory cache of Authorization headers already verified (keyed by an HMAC under a per-process
// key) so that a keep-alive manager does not pay one scrypt per call.
import { hash as oneShotHash, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';
import type { Logger } from 'pino';
import type { AgentConfig } from '../../core/config/schema.js';
import { fail } from '../../core/errors.js';
import type { Clock } from '../../host/clock.js';
import type { HostFs } from '../../host/host-fs.js';

export const AGENT_USER = 'oracle';
/** Rules for a new password (our choice): 1 to 256 characters, no control characters. */
export const PASSWORD_MIN_LENGTH = 1;
export const PASSWORD_MAX_LENGTH = 256;

const SCRYPT = { N: 16384, r: 8, p: 1, keyLen: 32, saltLen: 16 };
/** A stored hash with absurd cost parameters must not let the file exhaust our memory. */
const MAX_N = 1 << 20;
const CACHE_MAX = 64;
/** How often a cache hit re-checks the file for a change made by `hvagent passwd` in another process. */
const FILE_RECHECK_MS = 10_000;

export interface PasswordStoreDeps {
  config: Pick<AgentConfig, 'rpc'>;
  fs: HostFs;
  clock: Clock;
  log: Logger;
}

interface ParsedHash {
  N: number;
  r: number;
  p: number;
  salt: Buffer;
  hash: Buffer;
}

function scrypt(password: string, salt: Buffer, keyLen: number, opts: ScryptOptions): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scryptCb(password, salt, keyLen, opts, (err, key) => (err ? reject(err) : resolve(key))),
  );
}

/** `scrypt$N$r$p$saltB64$hashB64` → parts, or undefined when the text is not such a line. */
export function parsePasswordHash(text: string): ParsedHash | undefined {
  const parts = text.trim().split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return undefined;
  const [N, r, p] = parts.slice(1, 4).map((x) => (/^\d{1,8}$/.test(x) ? Number(x) : NaN));
  if (!(N >= 2 && N <= MAX_N && (N & (N - 1)) === 0 && r >= 1 && r <= 32 && p >= 1 && p <= 16)) return undefined;
  const salt = Buffer.from(parts[4], 'base64');
  const hash = Buffer.from(parts[5], 'base64');
  if (salt.length < 8 || hash.length < 16) return undefined;
  return { N, r, p, salt, hash };
}

function derive(password: string, h: Pick<ParsedHash, 'N' | 'r' | 'p' | 'salt'>, keyLen: number): Promise<Buffer> {
  return scrypt(password, h.salt, keyLen, { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r + 1024 * 1024 });
}

/** Checks a new password against our rules; throws INVALID_ARGUMENT naming the rule (never the password). */
export function checkNewPassword(password: string): void {
  const len = [...password].length;
  if (len < PASSWORD_MIN_LENGTH) throw fail('INVALID_ARGUMENT', 'the new password is empty');
  if (len > PASSWORD_MAX_LENGTH) throw fail('INVALID_ARGUMENT', `the new password is longer than ${PASSWORD_MAX_LENGTH} characters`);
  // eslint-disable-next-line no-control-regex
  if (/[\x00-\x1f\x7f]/.test(password)) throw fail('INVALID_ARGUMENT', 'the new password contains control characters');
}

/** Splits an `Authorization: Basic ...` header; undefined when it is not one. */
export function parseBasicAuth(header: string | undefined): { user: string; password: string } | undefined {
  if (!header || header.length > 4096) return undefined;
  const m = /^Basic[ ]+([A-Za-z0-9+/=]+)\s*$/i.exec(header);
  if (!m) return undefined;
  const text = Buffer.from(m[1], 'base64').toString('utf8');
  const colon = text.indexOf(':');
  if (colon < 0) return undefined;
  return { user: text.slice(0, colon), password: text.slice(colon + 1) };
}

export class PasswordStore {
  /** Secret per-process prefix of the cache keys. */
  private readonly macKey = randomBytes(32).toString('base64');
  /** Keyed SHA-256 of verified Authorization headers; never the header or the password itself. */
  private readonly verified = new Set<string>();
  /** Verifications in progress, by the same HMAC key. */
  private readonly pending = new Map<string, Promise<boolean>>();
  /** Bumped whenever the password may have changed. */
  private generation = 0;
  private current: ParsedHash | undefined;
  private loaded = false;
  private fileStamp = '';
  private lastFileCheck = 0;
  private checking: Promise<void> | undefined;

  constructor(private readonly deps: PasswordStoreDeps) {}

  private get file(): string {
    return this.deps.config.rpc.passwordFile;
  }

  /** True when a password hash is stored. */
  async isSet(): Promise<boolean> {
    await this.load();
    return this.current !== undefined;
  }

  /** Stores a new password (hash only) and forgets every cached credential. */
  async set(password: string): Promise<void> {
    checkNewPassword(password);
    const salt = randomBytes(SCRYPT.saltLen);
    const hash = await derive(password, { ...SCRYPT, salt }, SCRYPT.keyLen);
    const line = `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${hash.toString('base64')}\n`;
    const dir = this.file.slice(0, this.file.lastIndexOf('/')) || '/';
    await this.deps.fs.mkdirp(dir, 0o755);
    await this.deps.fs.writeAtomic(this.file, line, 0o600);
    this.current = { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p, salt, hash };
    this.loaded = true;
    this.generation++;
    this.verified.clear();
    this.fileStamp = await this.stamp();
    this.lastFileCheck = this.deps.clock.now();
  }

  /** update_agent_password: when oldpass is given it must be the current password. */
  async change(user: string, password: string, oldpass?: string): Promise<void> {
    if (user !== AGENT_USER) throw fail('INVALID_ARGUMENT', `argument 1 (user): unknown user (only '${AGENT_USER}' exists)`);
    if (oldpass !== undefined && !(await this.verify(AGENT_USER, oldpass))) {
      throw fail('BAD_PASSWORD', 'the old password does not match');
    }
    checkNewPassword(password);
    await this.set(password);
    this.deps.log.info({ event: 'password_changed' }, 'agent password changed');
  }

  /** Timing-safe check of one user/password pair against the stored hash. */
  async verify(user: string, password: string): Promise<boolean> {
    await this.load();
    const h = this.current;
    if (!h) return false;
    const got = await derive(password, h, h.hash.length);
    return timingSafeEqual(got, h.hash) && user === AGENT_USER;
  }

  /** Fast path: true when this exact Authorization header was verified before. */
  isCachedHeader(header: string): boolean {
    if (!this.verified.has(this.mac(header))) return false;
    this.epoch();
    return true;
  }

  /**
   * Changes whenever cached credentials are dropped (password set or changed, file replaced
   * behind our back); starts the periodic re-check of the file when it is due.
   */
  epoch(): number {
    if (this.deps.clock.now() - this.lastFileCheck >= FILE_RECHECK_MS) this.recheckFile();
    return this.generation;
  }

  /** Verifies a Basic Authorization header (cache first) and remembers it when it is right. */
  async verifyHeader(header: string | undefined): Promise<boolean> {
    if (!header) return false;
    if (this.isCachedHeader(header)) return true;
    const creds = parseBasicAuth(header);
    if (!creds) return false;
    // A manager opening many connections at once sends the same header on each: one scrypt for all.
    const key = this.mac(header);
    let pending = this.pending.get(key);
    if (!pending) {
      const generation = this.generation;
      pending = this.verify(creds.user, creds.password)
        .then((ok) => {
          // A password change while scrypt ran must not cache the old credential.
          if (ok && generation === this.generation) {
            if (this.verified.size >= CACHE_MAX) this.verified.clear();
            this.verified.add(key);
          }
          return ok;
        })
        .finally(() => this.pending.delete(key));
      this.pending.set(key, pending);
    }
    return pending;
  }

  /** Forgets cached credentials and re-reads the file on the next check. */
  invalidate(): void {
    this.generation++;
    this.verified.clear();
    this.loaded = false;
  }

  /** Resolves once a background re-check of the file (if any) has finished. */
  async settled(): Promise<void> {
    await this.checking;
  }

  /**
   * SHA-256 over a secret random prefix and the header. The digest never leaves the process, so the
   * HMAC construction (against length extension) buys nothing here, and the one-shot hash costs a
   * sixth of createHmac on the hot path of every call.
   */
  private mac(header: string): string {
    return oneShotHash('sha256', this.macKey + header, 'base64');
  }

  private async stamp(): Promise<string> {
    const st = await this.deps.fs.stat(this.file);
    return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : 'absent';
  }

  /** Another process (`hvagent passwd`) may have replaced the file: notice it within FILE_RECHECK_MS. */
  private recheckFile(): void {
    if (this.checking) return;
    this.lastFileCheck = this.deps.clock.now();
    this.checking = this.stamp()
      .then((s) => {
        if (s !== this.fileStamp) {
          this.deps.log.info('password file changed on disk; cached credentials dropped');
          this.invalidate();
        }
      })
      .catch(() => this.invalidate())
      .finally(() => {
        this.checking = undefined;
      });
  }

  private async load(): Promise<void> {
    if (this.loaded) return;
    this.fileStamp = await this.stamp();
    this.lastFileCheck = this.deps.clock.now();
    const text = await this.deps.fs.readTextIfExists(this.file);
    this.current = text === undefined ? undefined : parsePasswordHash(text);
    if (text !== undefined && !this.current) {
      // A broken file must not lock the manager out silently, nor let anyone in.
      this.deps.log.error({ file: this.file }, 'password file is not a valid scrypt hash; every login fails');
    }
    this.loaded = true;
  }
}
