// Ownership by certificate, over real TLS on loopback: after a 3.3 take_ownership with the
// manager's certificate, owner-only methods answer only a client showing that certificate (from
// any address, still with the password); the hold moves to a new address only with it; without
// a certificate ("None", as CloudStack sends) the address stays the owner's proof.
import t, { type Test } from 'tap';
import * as https from 'node:https';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { Registry, callFromWire } from '../../src/rpc/registry.js';
import { defineMethod, type MethodDef } from '../../src/rpc/method.js';
import { ownershipMethods } from '../../src/rpc/methods/ownership.js';
import { OwnershipService, type OwnerCheck } from '../../src/services/ownership/ownership-service.js';
import { decodeMethodResponse, encodeMethodCall } from '../../src/rpc/codec/index.js';
import { makeKit } from '../helpers/service-kit.js';
import { PASSWORD, startTestServer } from './front-door-server.js';

const MGR = '0004fb0000020000ba9aaf00ae5e2d73';

/** A self-signed client key pair by the openssl CLI (EC P-256). */
function keyPair(dir: string, cn: string): { cert: string; key: string } {
  const key = join(dir, `${cn}.key`);
  const cert = join(dir, `${cn}.crt`);
  execFileSync('openssl', ['req', '-x509', '-sha256', '-nodes', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-subj', `/CN=${cn}`, '-days', '2', '-keyout', key, '-out', cert], { stdio: 'ignore' });
  return { cert: readFileSync(cert, 'utf8'), key: readFileSync(key, 'utf8') };
}

async function setup(t: Test, check: OwnerCheck = 'certificate') {
  const kit = makeKit();
  t.teardown(kit.cleanup);
  const own = new OwnershipService({ hostState: kit.hostState, events: kit.events, log: kit.log });
  const whoami = defineMethod({ name: 'owner_only', access: 'owned', params: z.tuple([]), handler: (_a, ctx) => ctx.remoteAddress });
  const reg = new Registry(
    { isOwned: () => own.isOwned(), isOwner: (c) => own.isOwnerCaller(c, check) },
    [...ownershipMethods(own, { ownerCheck: check, resolveHost: async () => [] }), whoami as MethodDef],
  );
  const s = await startTestServer(t, { ownerCheck: check }, (body, base) => callFromWire(reg, body, base));
  /** One call on a new connection from `from`, with or without a client certificate. */
  const call = (from: string, id: { cert: string; key: string } | undefined, method: string, params: unknown[], password = PASSWORD) =>
    new Promise<{ status: number; fault?: string; value?: unknown }>((resolve, reject) => {
      const body = encodeMethodCall(method, params);
      const req = https.request(
        {
          host: '127.0.0.1',
          port: s.port,
          path: '/api/3/',
          method: 'POST',
          localAddress: from,
          rejectUnauthorized: false,
          agent: false,
          ...(id ? { cert: id.cert, key: id.key } : {}),
          headers: { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body), Authorization: `Basic ${Buffer.from(`oracle:${password}`).toString('base64')}` },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            if (res.statusCode !== 200) return resolve({ status: res.statusCode ?? 0 });
            const r = decodeMethodResponse(Buffer.concat(chunks), { maxDepth: 64 });
            resolve(r.ok ? { status: 200, value: r.value } : { status: 200, fault: r.fault.faultString });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { own, call };
}

const dir = mkdtempSync(join(tmpdir(), 'hv9-cert-'));
t.teardown(() => rmSync(dir, { recursive: true, force: true }));
const manager = keyPair(dir, 'manager');
const stranger = keyPair(dir, 'stranger');

t.test('a 3.3 ownership with a certificate: owner-only methods need that certificate, and the password', async (t) => {
  const { own, call } = await setup(t);
  const take = { manager_uuid: MGR, manager_event_url: 'https://127.0.0.2:7002/ev', manager_certificate: manager.cert, signed_server_certificate: 'None' };
  t.same(await call('127.0.0.2', undefined, 'take_ownership', [take]), { status: 200, value: null }, 'taken from 127.0.0.2 (no client certificate needed to take it)');
  t.ok(own.holdsByCertificate('certificate'));
  t.match(await call('127.0.0.2', undefined, 'owner_only', []), { fault: /FORBIDDEN/ }, 'the address alone no longer suffices');
  t.match(await call('127.0.0.2', stranger, 'owner_only', []), { fault: /FORBIDDEN/ }, 'another certificate is refused');
  t.same(await call('127.0.0.2', manager, 'owner_only', []), { status: 200, value: '127.0.0.2' }, 'the manager certificate is accepted');
  t.same(await call('127.0.0.3', manager, 'owner_only', []), { status: 200, value: '127.0.0.3' }, 'from any address');
  t.same(await call('127.0.0.3', manager, 'owner_only', [], 'wrong password'), { status: 401 }, 'Basic auth is still required');
  t.match(await call('127.0.0.3', manager, 'take_ownership', [{ ...take, manager_uuid: '0004fb00000200001111111111111111' }]), { fault: /OWNED_BY_OTHER/ });
  t.match(await call('127.0.0.3', undefined, 'take_ownership', [{ manager_uuid: MGR }]), { fault: /FORBIDDEN.*certificate/ }, 'no re-take without the certificate');
  t.match(await call('127.0.0.3', stranger, 'release_ownership', [MGR]), { fault: /FORBIDDEN/ }, 'no release without it');
  t.equal(own.managerAddress(), '127.0.0.2', 'the refused calls changed nothing');
  t.match(await call('127.0.0.3', manager, 'take_ownership', [{ manager_uuid: MGR, manager_event_url: 'https://127.0.0.3:7002/ev' }]), { value: null }, 'the manager moved, with its certificate');
  t.equal(own.managerAddress(), '127.0.0.3');
  t.ok(own.holdsByCertificate('certificate'), 'and keeps its certificate hold');
  t.same(await call('127.0.0.3', manager, 'release_ownership', [MGR]), { status: 200, value: null });
  t.notOk(own.isOwned());
  t.same(await call('127.0.0.4', undefined, 'take_ownership', [{ manager_uuid: MGR, manager_certificate: 'None' }]), { status: 200, value: null }, 'released: anyone with the password may take it');
  t.notOk(own.holdsByCertificate('certificate'), '"None" is no certificate');
  t.same(await call('127.0.0.4', undefined, 'owner_only', []), { status: 200, value: '127.0.0.4' }, 'the address is the proof again');
  t.match(await call('127.0.0.5', manager, 'owner_only', []), { fault: /FORBIDDEN/ }, 'and a certificate is no substitute for it');
});

t.test('a certificate that is not one is refused, naming the argument, changing nothing', async (t) => {
  const { own, call } = await setup(t);
  for (const bad of ['PEM', '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----', 'not base64 !']) {
    const r = await call('127.0.0.2', undefined, 'take_ownership', [{ manager_uuid: MGR, manager_certificate: bad }]);
    t.match(r.fault, /INVALID_ARGUMENT.*argument 1 \(manager_certificate\)/, JSON.stringify(bad));
  }
  t.notOk(own.isOwned());
  const der = manager.cert.replace(/-----[A-Z ]+-----|\s/g, '');
  t.match(await call('127.0.0.2', undefined, 'take_ownership', [{ manager_uuid: MGR, manager_certificate: der }]), { value: null }, 'bare base64 DER is read too');
  t.same(await call('127.0.0.9', manager, 'owner_only', []), { status: 200, value: '127.0.0.9' });
});

t.test("rpc.ownerCheck address: the certificate is stored but the address decides; off: anyone", async (t) => {
  const a = await setup(t, 'address');
  await a.call('127.0.0.2', undefined, 'take_ownership', [{ manager_uuid: MGR, manager_certificate: manager.cert }]);
  t.same(await a.call('127.0.0.2', undefined, 'owner_only', []), { status: 200, value: '127.0.0.2' });
  t.match(await a.call('127.0.0.3', manager, 'owner_only', []), { fault: /FORBIDDEN/ });
  const o = await setup(t, 'off');
  await o.call('127.0.0.2', undefined, 'take_ownership', [{ manager_uuid: MGR, manager_certificate: manager.cert }]);
  t.same(await o.call('127.0.0.3', undefined, 'owner_only', []), { status: 200, value: '127.0.0.3' });
});
