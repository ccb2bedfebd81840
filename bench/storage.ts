// Bench (issue 11): sparse create and clone of a 10 GiB file holding 1 GiB of data through
// storage_plugin_create/clone versus `cp --sparse=always`, and status calls against a stopped
// NFS server (a namespace whose host is up but serves nothing, and an address nobody answers).
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import pino from 'pino';
import { parseConfig } from '../src/core/config/schema.js';
import { isAgentError } from '../src/core/errors.js';
import { systemClock } from '../src/host/clock.js';
import { HostExec } from '../src/host/exec.js';
import { SysrootFs } from '../src/host/host-fs.js';
import { ExecNfsProbe } from '../src/host/storage/nfs-probe.js';
import type { CallContext, MethodDef } from '../src/rpc/method.js';
import { storageMethods } from '../src/rpc/methods/storage.js';
import { EventJournal } from '../src/services/events/event-journal.js';
import { JobRunner } from '../src/services/jobs/job-runner.js';
import { buildStorageService } from '../src/services/storage/storage-feature.js';
import type { ServiceDeps } from '../src/services/context.js';
import { openDatabase } from '../src/store/db.js';
import { HostStateRepo } from '../src/store/host-state.js';

const GiB = 1024 ** 3;
const MiB = 1024 ** 2;
const FSU = '6f1c2d3e-4a5b-4c6d-8e7f-0a1b2c3d4e5f';
const NFS = 'oracle.generic.NFSPlugin.GenericNFSPlugin';
const RUNS = 3;

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const s = (ms: number) => (ms < 1000 ? `${ms.toFixed(1)} ms` : `${(ms / 1000).toFixed(2)} s`);

function caller(defs: MethodDef[]) {
  const log = pino({ level: 'silent' });
  return async (name: string, ...args: unknown[]) => {
    const d = defs.find((x) => x.name === name)!;
    const ctx = { callId: 'bench', method: name, log, signal: new AbortController().signal } as unknown as CallContext;
    return d.handler(d.params.parse(args) as never, ctx);
  };
}

function service(root: string, extra: Record<string, unknown>, netns?: string) {
  const parsed = parseConfig({ paths: { sysroot: root }, storage: { probeTimeoutMs: 2000 } });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  const db = openDatabase({ file: ':memory:' });
  const log = pino({ level: 'silent' });
  const deps = {
    config: parsed.config, log, db, hostState: new HostStateRepo(db), clock: systemClock, exec: new HostExec(), fs: new SysrootFs(root),
    events: new EventJournal({ db, clock: systemClock, eventUrl: () => undefined }), jobs: new JobRunner({ db, clock: systemClock, log }),
  } as unknown as ServiceDeps;
  const svc = buildStorageService(deps, { nfsProbe: new ExecNfsProbe(new HostExec(), netns), ...extra });
  return { call: caller(storageMethods(svc)), close: () => db.close() };
}

async function sparseFiles(): Promise<string[]> {
  const root = fs.mkdtempSync(path.join(tmpdir(), 'hvs-bench-'));
  const mp = path.join(root, 'nfsmnt', FSU);
  fs.mkdirSync(mp, { recursive: true });
  // The file system "mounted" at /nfsmnt/<uuid> is the bench directory itself (same code path as NFS after mount).
  const { call, close } = service(root, { mounts: async () => [{ device: 'bench:/x', dir: `/nfsmnt/${FSU}`, type: 'nfs', options: 'rw' }] });
  const ss = { access_host: 'bench' };
  const fsRec = { uuid: FSU, access_path: 'bench:/x' };
  try {
    const create: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const t0 = performance.now();
      await call('storage_plugin_create', NFS, ss, fsRec, `c${i}.img`, 'File', 10 * GiB);
      create.push(performance.now() - t0);
    }
    // 10 GiB with 1 GiB of data: 1 MiB of data every 10 MiB.
    const src = path.join(mp, 'src.img');
    const fd = fs.openSync(src, 'w');
    const chunk = Buffer.alloc(MiB);
    for (let i = 0; i < 1024; i++) {
      chunk.fill(i & 0xff);
      chunk.writeUInt32LE(i, 0);
      fs.writeSync(fd, chunk, 0, MiB, i * 10 * MiB);
    }
    fs.ftruncateSync(fd, 10 * GiB);
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    const clone: number[] = [];
    const cp: number[] = [];
    let onDisk = 0;
    for (let i = 0; i < RUNS; i++) {
      // Alternate so a burst of foreign load on the shared machine hits both.
      let t0 = performance.now();
      const r = (await call('storage_plugin_clone', NFS, ss, fsRec, { file_path: 'src.img' }, `clone${i}.img`)) as Record<string, string>;
      clone.push(performance.now() - t0);
      onDisk = Number(r.ondisk_sz);
      t0 = performance.now();
      execFileSync('cp', ['--sparse=always', src, path.join(mp, `cp${i}.img`)]);
      cp.push(performance.now() - t0);
      fs.rmSync(path.join(mp, `clone${i}.img`));
      fs.rmSync(path.join(mp, `cp${i}.img`));
    }
    return [
      `sparse files (10 GiB apparent, 1 GiB of data, ${RUNS} runs, medians):`,
      `  storage_plugin_create 10 GiB sparse file: ${s(med(create))}`,
      `  storage_plugin_clone (job, cp --sparse=always --reflink=auto): ${s(med(clone))}, clone holds ${(onDisk / MiB).toFixed(0)} MiB on disk`,
      `  cp --sparse=always alone: ${s(med(cp))}`,
      `  ratio clone / cp: ${(med(clone) / med(cp)).toFixed(2)}`,
    ];
  } finally {
    close();
    fs.rmSync(root, { recursive: true, force: true });
  }
}

async function deadServer(): Promise<string[]> {
  if (process.getuid?.() !== 0) return ['status against a stopped server: skipped (needs root for a namespace)'];
  const ns = `hvs-bench-${process.pid.toString(36)}`;
  const ip = (...a: string[]) => execFileSync('ip', a, { stdio: 'ignore' });
  ip('netns', 'add', ns);
  const root = fs.mkdtempSync(path.join(tmpdir(), 'hvs-bench-'));
  try {
    ip('-n', ns, 'link', 'set', 'lo', 'up');
    ip('-n', ns, 'link', 'add', 'hvsa', 'type', 'veth', 'peer', 'name', 'hvsb');
    ip('-n', ns, 'addr', 'add', '192.0.2.10/24', 'dev', 'hvsa');
    ip('-n', ns, 'link', 'set', 'hvsa', 'up');
    ip('-n', ns, 'link', 'set', 'hvsb', 'up');
    const { call, close } = service(root, {}, ns);
    const out = ['status calls against a stopped NFS server (probe limit 2 s):'];
    try {
      for (const [label, host] of [['host up, NFS stopped (192.0.2.10)', '192.0.2.10'], ['address nobody answers (192.0.2.99)', '192.0.2.99']] as const) {
        for (const op of ['validate', 'getStorageNames', 'listFileSystems']) {
          const times: number[] = [];
          let code = '';
          for (let i = 0; i < RUNS; i++) {
            const t0 = performance.now();
            try {
              await call(`storage_plugin_${op}`, NFS, { access_host: host });
              code = 'no fault?!';
            } catch (e) {
              code = isAgentError(e) ? e.code : String(e);
            }
            times.push(performance.now() - t0);
          }
          out.push(`  ${label}: ${op} -> ${code} in ${s(med(times))} (max ${s(Math.max(...times))})`);
        }
      }
    } finally {
      close();
    }
    return out;
  } finally {
    execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
    fs.rmSync(root, { recursive: true, force: true });
  }
}

export async function runStorageBench(): Promise<string> {
  return [...(await sparseFiles()), ...(await deadServer())].join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runStorageBench().then((out) => console.log(out));
}
