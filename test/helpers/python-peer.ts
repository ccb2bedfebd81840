// Starts test/helpers/py-xmlrpc-server.py on a random loopback port and stops it by PID.
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export interface PythonPeer {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

const script = fileURLToPath(new URL('./py-xmlrpc-server.py', import.meta.url));

export function startPythonPeer(password = ''): Promise<PythonPeer> {
  const child = spawn('python3', [script, password], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = child.pid!;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(pid, 'SIGTERM');
    await exited;
  };
  return new Promise((resolve, reject) => {
    let buf = '';
    child.once('exit', (code) => reject(new Error(`python peer exited early (${code})`)));
    child.stdout!.on('data', (c: Buffer) => {
      buf += c.toString();
      const m = /PORT (\d+)/.exec(buf);
      if (m) resolve({ port: Number(m[1]), pid, stop });
    });
  });
}
