// Whether a TCP port answers: one connect with a deadline, closed at once (no bytes sent).
import { connect } from 'node:net';

export type TcpProbe = (host: string, port: number, timeoutMs: number) => Promise<boolean>;

export const tcpProbe: TcpProbe = (host, port, timeoutMs) =>
  new Promise((resolve) => {
    const s = connect({ host, port });
    const done = (ok: boolean) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
