// downloadToFile over HTTPS with a self-signed certificate made here: trusted only when its CA
// is given, refused otherwise (and nothing left behind either way).
import t from 'tap';
import * as fs from 'node:fs';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { execFileSync } from 'node:child_process';
import { downloadToFile, urlForLog } from '../../../src/host/http-download.js';

t.test('https with a given CA; refused without it', async (t) => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'hvagent-https-'));
  t.teardown(() => fs.rmSync(d, { recursive: true, force: true }));
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
    '-addext', 'subjectAltName=IP:127.0.0.1', '-keyout', path.join(d, 'key.pem'), '-out', path.join(d, 'cert.pem'),
  ], { stdio: 'ignore' });
  const cert = fs.readFileSync(path.join(d, 'cert.pem'));
  const body = Buffer.alloc(3 * 1024 * 1024);
  body.write('hello', 2 * 1024 * 1024);
  const server = https.createServer({ key: fs.readFileSync(path.join(d, 'key.pem')), cert }, (_q, res) => {
    res.writeHead(200, { 'content-length': String(body.length) });
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  t.teardown(() => new Promise<void>((r) => server.close(() => r())));
  const url = `https://127.0.0.1:${(server.address() as AddressInfo).port}/disk.img`;

  await t.rejects(downloadToFile(url, path.join(d, 'untrusted.img')), { code: 'STORAGE_IMPORT_FAILED', message: /SELF_SIGNED|self.signed/i });
  const r = await downloadToFile(url, path.join(d, 'disk.img'), { ca: cert });
  t.equal(r.bytes, body.length);
  t.ok(fs.readFileSync(path.join(d, 'disk.img')).equals(body));
  t.ok(fs.statSync(path.join(d, 'disk.img')).blocks * 512 < body.length / 2, 'holes kept');
  t.same(fs.readdirSync(d).sort(), ['cert.pem', 'disk.img', 'key.pem'], 'the refused download left nothing');
});

t.test('urlForLog drops credentials', async (t) => {
  t.equal(urlForLog('http://user:pw@host:81/a/b.img?x=1'), 'http://host:81/a/b.img?x=1');
  t.equal(urlForLog('not a url'), '(unparsable URL)');
});
