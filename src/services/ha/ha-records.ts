// The HA records on the pool FS (.hvagent/ha/ under the pool directory): member-<node>.json written by
// each member, master.json written only by the master-lease holder; atomic renames, so a
// reader sees a whole old or a whole new file (the sanlock names are in ha-names.ts).
import type { HostFs } from '../../host/host-fs.js';
import { masterRecordSchema, memberReportSchema, type MasterRecord, type MemberReport } from '../../core/ha/ha-state.js';

export class HaRecords {
  constructor(private readonly fs: HostFs, readonly poolDir: string) {}

  get dir(): string {
    return `${this.poolDir}/.hvagent/ha`;
  }

  /** Real path of a lease file, for sanlock. */
  leasePath(name: string): string {
    return this.fs.resolve(`${this.dir}/${name}`);
  }

  async ensureDir(): Promise<void> {
    await this.fs.mkdirp(this.dir, 0o750);
  }

  private async readJson(path: string): Promise<unknown> {
    const text = await this.fs.readTextIfExists(path);
    if (text === undefined) return undefined;
    try {
      return JSON.parse(text);
    } catch {
      return undefined; // a torn or foreign file counts as absent; its writer rewrites it each round
    }
  }

  async master(): Promise<MasterRecord | undefined> {
    const r = masterRecordSchema.safeParse(await this.readJson(`${this.dir}/master.json`));
    return r.success ? r.data : undefined;
  }

  async writeMaster(rec: MasterRecord): Promise<void> {
    await this.fs.writeAtomic(`${this.dir}/master.json`, `${JSON.stringify(rec, null, 1)}\n`, 0o640);
  }

  async reports(): Promise<MemberReport[]> {
    const out: MemberReport[] = [];
    for (const f of await this.fs.list(this.dir)) {
      if (!/^member-\d+\.json$/.test(f)) continue;
      const r = memberReportSchema.safeParse(await this.readJson(`${this.dir}/${f}`));
      if (r.success) out.push(r.data);
    }
    return out.sort((a, b) => a.node - b.node);
  }

  async writeReport(rep: MemberReport): Promise<void> {
    await this.fs.writeAtomic(`${this.dir}/member-${rep.node}.json`, `${JSON.stringify(rep)}\n`, 0o640);
  }
}
