// The pool's shared state: one JSON document on the pool FS (.hvagent/pool.json: members,
// master, virtual IP, HA VMs, pending-HA queue), changed under a lock every member honours,
// and mirrored into each member's database so a member that restarts without the pool FS or
// the manager still knows its pool. API for other areas: docs in /work/coord/cluster-api.md.
import { z } from 'zod';
import type { Logger } from 'pino';
import { AgentError } from '../../core/errors.js';
import type { HostFs } from '../../host/host-fs.js';
import type { Clock } from '../../host/clock.js';
import type { HostStateRepo } from '../../store/host-state.js';
import { withDirLock } from '../../host/cluster/file-lock.js';

const member = z.object({ nodeNumber: z.number().int(), hostname: z.string(), ip: z.string(), joinedAt: z.string() });
const haVm = z.object({ vmUuid: z.string(), repoUuid: z.string().optional(), host: z.string().optional() });
const pending = z.object({ vmUuid: z.string(), since: z.string(), reason: z.string(), fromHost: z.string().optional() });

export const sharedPoolSchema = z.object({
  version: z.literal(1),
  poolUuid: z.string(),
  poolFsUuid: z.string(),
  clusterName: z.string(),
  alias: z.string(),
  virtualIp: z.string(),
  /** Host name of the master, or null while none holds the role. */
  master: z.string().nullable(),
  members: z.array(member),
  haVms: z.array(haVm),
  pendingHa: z.array(pending),
  /** Bumped on every write: a reader can tell a newer document. */
  generation: z.number().int(),
  updatedAt: z.string(),
  updatedBy: z.string(),
});

export type SharedPool = z.infer<typeof sharedPoolSchema>;
export type SharedMember = z.infer<typeof member>;

export const SHARED_STATE_FILE = '.hvagent/pool.json';
const LOCK_DIR = '.hvagent/pool.lock';
const MIRROR_KEY = 'pool.shared';
const STALE_LOCK_MS = 60_000;

export interface SharedStateDeps {
  fs: HostFs;
  hostState: HostStateRepo;
  clock: Clock;
  log: Logger;
}

export class PoolSharedState {
  constructor(
    private readonly deps: SharedStateDeps,
    /** Host path where the pool FS is mounted (/poolfsmnt/<uuid>). */
    readonly poolFsDir: string,
    private readonly hostname: string,
  ) {}

  private file(): string {
    return `${this.poolFsDir}/${SHARED_STATE_FILE}`;
  }

  /** The document on the pool FS; undefined when there is none yet. */
  async read(): Promise<SharedPool | undefined> {
    const text = await this.deps.fs.readTextIfExists(this.file());
    if (text === undefined) return undefined;
    const r = sharedPoolSchema.safeParse(JSON.parse(text));
    if (!r.success) throw new AgentError('POOLFS_INVALID', `${this.file()} is not a pool state document: ${r.error.issues[0]?.message}`);
    this.deps.hostState.setJson(MIRROR_KEY, r.data);
    return r.data;
  }

  /** The pool FS's document when it can be read, else this member's last copy. */
  async load(): Promise<{ doc: SharedPool | undefined; source: 'poolfs' | 'db' }> {
    try {
      return { doc: await this.read(), source: 'poolfs' };
    } catch (e) {
      this.deps.log.warn({ err: e }, 'pool FS state unreadable; using the copy in the agent database');
      return { doc: this.deps.hostState.getJson<SharedPool>(MIRROR_KEY), source: 'db' };
    }
  }

  /** This member's copy (no pool FS access). */
  local(): SharedPool | undefined {
    return this.deps.hostState.getJson<SharedPool>(MIRROR_KEY);
  }

  /**
   * Read, change and write the document under the pool-wide lock. `mutate` gets the current
   * document (or undefined) and returns the next one; returning undefined deletes it.
   */
  async update(mutate: (cur: SharedPool | undefined) => SharedPool | undefined): Promise<SharedPool | undefined> {
    const owner = `${this.hostname} pid ${process.pid}`;
    return withDirLock(this.deps.fs.resolve(`${this.poolFsDir}/${LOCK_DIR}`), owner, () => this.deps.clock.now(), STALE_LOCK_MS, async () => {
      const cur = await this.read();
      const next = mutate(cur ? structuredClone(cur) : undefined);
      if (next === undefined) {
        await this.deps.fs.remove(this.file());
        this.deps.hostState.delete(MIRROR_KEY);
        return undefined;
      }
      const doc = sharedPoolSchema.parse({ ...next, generation: (cur?.generation ?? 0) + 1, updatedAt: new Date(this.deps.clock.now()).toISOString(), updatedBy: this.hostname });
      await this.deps.fs.writeAtomic(this.file(), JSON.stringify(doc, null, 2) + '\n');
      this.deps.hostState.setJson(MIRROR_KEY, doc);
      return doc;
    });
  }

  /** Forget this member's copy (it left the pool). */
  forgetLocal(): void {
    this.deps.hostState.delete(MIRROR_KEY);
  }
}
