// Appends lines to an agent log file under the sysroot (e.g. /var/log/hvagent/vm-events.log).
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { HostFs } from './host-fs.js';

export async function appendLine(hostFs: HostFs, hostPath: string, line: string): Promise<void> {
  const full = hostFs.resolve(hostPath);
  await fs.mkdir(path.dirname(full), { recursive: true });
  await fs.appendFile(full, line.endsWith('\n') ? line : line + '\n', { mode: 0o640 });
}
