// TLS: 1.2 only with forward-secret AEAD suites (CBC/SHA-1 and static-RSA suites refused), 1.3
// accepted, and no client-initiated renegotiation.
import t from 'tap';
import * as tls from 'node:tls';
import { spawn } from 'node:child_process';
import { startTestServer } from './front-door-server.js';

function handshake(port: number, opts: tls.ConnectionOptions): Promise<tls.TLSSocket | Error> {
  return new Promise((resolve) => {
    const s = tls.connect({ port, host: '127.0.0.1', rejectUnauthorized: false, ...opts }, () => resolve(s));
    s.once('error', (e) => resolve(e));
  });
}

t.test('suites', async (t) => {
  const s = await startTestServer(t);
  const cases: Array<[string, tls.ConnectionOptions, boolean]> = [
    ['TLS 1.3', { minVersion: 'TLSv1.3' }, true],
    ['TLS 1.2 ECDHE-ECDSA-AES128-GCM-SHA256', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-GCM-SHA256' }, true],
    ['TLS 1.2 ECDHE-ECDSA-AES128-SHA (CBC, SHA-1)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES128-SHA' }, false],
    ['TLS 1.2 ECDHE-ECDSA-AES256-SHA (CBC, SHA-1)', { maxVersion: 'TLSv1.2', ciphers: 'ECDHE-ECDSA-AES256-SHA' }, false],
    ['TLS 1.2 AES128-GCM-SHA256 (no forward secrecy)', { maxVersion: 'TLSv1.2', ciphers: 'AES128-GCM-SHA256' }, false],
    ['TLS 1.1', { maxVersion: 'TLSv1.1', minVersion: 'TLSv1.1', ciphers: 'DEFAULT:@SECLEVEL=0' }, false],
  ];
  for (const [name, opts, ok] of cases) {
    const r = await handshake(s.port, opts);
    t.equal(!(r instanceof Error), ok, `${name}: ${ok ? 'accepted' : 'refused'}`);
    if (!(r instanceof Error)) r.destroy();
  }
});

t.test('no client renegotiation (openssl s_client asks with R)', async (t) => {
  const s = await startTestServer(t);
  const out = await new Promise<string>((resolve) => {
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${s.port}`, '-tls1_2'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let text = '';
    child.stdout.on('data', (d: Buffer) => (text += d.toString()));
    child.stderr.on('data', (d: Buffer) => (text += d.toString()));
    child.on('exit', () => resolve(text));
    // Ask once the handshake is done; end input once the answer (success or alert) is in.
    let asked = false;
    child.stdout.on('data', () => {
      if (!asked && text.includes('Secure Renegotiation')) {
        asked = true;
        child.stdin.write('R\n');
      } else if (asked && /RENEGOTIATING[\s\S]*\n.+/.test(text)) child.stdin.end();
    });
    child.stderr.on('data', () => {
      if (asked && /RENEGOTIATING[\s\S]*\n.+/.test(text)) child.stdin.end();
    });
    t.teardown(() => child.kill());
  });
  t.match(out, /RENEGOTIATING/, 'the client asked');
  t.match(out.slice(out.indexOf('RENEGOTIATING')), /error|alert/i, 'the server refused');
});
