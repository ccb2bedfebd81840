// A real tgtd iSCSI target on 127.0.0.1 for tests: file-backed LUNs in a temp dir, optional
// CHAP and mutual CHAP, its own control port; started and stopped by PID, files removed.
import { spawn, execFile } from 'node:child_process';
import * as fs from 'node:fs/promises';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { parseTgtadmShow } from '../../src/core/storage/scsi/tgtadm-show.js';

const run = promisify(execFile);

export interface TgtLunSpec {
  sizeMiB: number;
  serial?: string;
  scsiId?: string;
  vendor?: string;
  product?: string;
}

export interface TgtdOptions {
  /** iSCSI port on 127.0.0.1 (the hvi area uses 3262..3269). */
  port: number;
  target: string;
  luns: TgtLunSpec[];
  chap?: { username: string; password: string };
  mutual?: { username: string; password: string };
}

export interface Tgtd {
  port: number;
  target: string;
  dir: string;
  pid: number;
  /** tgtadm with this daemon's control port. */
  tgtadm(args: string[]): Promise<string>;
  stop(): Promise<void>;
}

export async function tgtdAvailable(): Promise<string | undefined> {
  for (const bin of ['tgtd', 'tgtadm', 'iscsi-ls', 'iscsi-inq', 'iscsi-readcapacity16']) {
    try {
      await run('sh', ['-c', `command -v ${bin}`]);
    } catch {
      return `${bin} is not installed`;
    }
  }
  if (process.getuid?.() !== 0) return 'tgtd needs root';
  return undefined;
}

async function listening(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

export async function startTgtd(o: TgtdOptions): Promise<Tgtd> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'hvi-tgtd-'));
  // Control port = iSCSI port keeps two harnesses (and their /var/run/tgtd/socket.N) apart.
  const child = spawn('tgtd', ['-f', '-C', String(o.port), '--iscsi', `portal=127.0.0.1:${o.port}`], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const tgtadm = async (args: string[]): Promise<string> => (await run('tgtadm', ['-C', String(o.port), '--lld', 'iscsi', ...args])).stdout;
  const stop = async (): Promise<void> => {
    try {
      if (child.exitCode === null) {
        // tgtd ignores SIGTERM while it has targets: delete them and the system (it exits),
        // and kill it by PID only if that did not work.
        await tgtadm(['--op', 'delete', '--mode', 'target', '--tid', '1', '--force']).catch(() => {});
        await run('tgtadm', ['-C', String(o.port), '--op', 'delete', '--mode', 'system']).catch(() => {});
        const t = setTimeout(() => child.exitCode === null && process.kill(pid, 'SIGKILL'), 2000);
        await exited;
        clearTimeout(t);
      }
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
      await fs.rm(`/var/run/tgtd/socket.${o.port}`, { force: true });
      await fs.rm(`/var/run/tgtd/socket.${o.port}.lock`, { force: true });
    }
  };
  try {
    for (let i = 0; !(await listening(o.port)); i++) {
      if (child.exitCode !== null || i > 100) throw new Error(`tgtd did not start on ${o.port}: ${stderr.slice(0, 500)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    await tgtadm(['--op', 'new', '--mode', 'target', '--tid', '1', '-T', o.target]);
    for (const [i, l] of o.luns.entries()) {
      const file = path.join(dir, `lun${i + 1}.img`);
      await fs.writeFile(file, '');
      await fs.truncate(file, l.sizeMiB * 1024 * 1024);
      await tgtadm(['--op', 'new', '--mode', 'logicalunit', '--tid', '1', '--lun', String(i + 1), '-b', file]);
      const params = [l.serial && `scsi_sn=${l.serial}`, l.scsiId && `scsi_id=${l.scsiId}`, l.vendor && `vendor_id=${l.vendor}`, l.product && `product_id=${l.product}`].filter(Boolean).join(',');
      if (params) await tgtadm(['--op', 'update', '--mode', 'logicalunit', '--tid', '1', '--lun', String(i + 1), '--params', params]);
    }
    if (o.chap) {
      await tgtadm(['--op', 'new', '--mode', 'account', '--user', o.chap.username, '--password', o.chap.password]);
      await tgtadm(['--op', 'bind', '--mode', 'account', '--tid', '1', '--user', o.chap.username]);
    }
    if (o.mutual) {
      await tgtadm(['--op', 'new', '--mode', 'account', '--user', o.mutual.username, '--password', o.mutual.password]);
      await tgtadm(['--op', 'bind', '--mode', 'account', '--tid', '1', '--user', o.mutual.username, '--outgoing']);
    }
    await tgtadm(['--op', 'bind', '--mode', 'target', '--tid', '1', '-I', '127.0.0.1']);
    const [shown] = parseTgtadmShow(await tgtadm(['--op', 'show', '--mode', 'target']));
    const want = { name: o.target, luns: o.luns.length + 1, accounts: (o.chap ? 1 : 0) + (o.mutual ? 1 : 0) };
    const got = { name: shown?.name, luns: shown?.luns.length, accounts: shown?.accounts.length };
    if (JSON.stringify(got) !== JSON.stringify(want)) throw new Error(`tgtd set-up mismatch: ${JSON.stringify(got)} != ${JSON.stringify(want)}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { port: o.port, target: o.target, dir, pid, tgtadm, stop };
}
