// The wire types: every accepted form and a refusal for each kind of wrong input.
import t from 'tap';
import { z } from 'zod';
import { pathComponent, pathUnder, wireBool, wireBoolean, wireHex32, wireId, wireInt, wireMeta, wireText, wireUuid } from '../../src/rpc/wire-types.js';
import { recordUuid, wireCount, wireSize } from '../../src/core/wire-types.js';

t.test('booleans: the forms the stock agent accepted, nothing else', async (t) => {
  for (const v of [true, 1, 1n, 'True', 'true', 'TRUE', '1', ' true ']) t.equal(wireBool.parse(v), true, `${String(v)} is true`);
  for (const v of [false, 0, 0n, 'False', 'false', '0']) t.equal(wireBool.parse(v), false, `${String(v)} is false`);
  for (const v of [2, -1, 'yes', 'on', '', 'Truee', null, 1.5]) t.notOk(wireBool.safeParse(v).success, `${String(v)} refused`);
  const r = wireBoolean('force').safeParse('maybe');
  t.match(!r.success && r.error.issues[0].message, /force must be a boolean .* got "maybe"/);
});

t.test('integers: int, i8 and (when asked) decimal strings, bounded', async (t) => {
  t.equal(wireInt().parse(5), 5);
  t.equal(wireInt().parse(2n ** 40n), 2 ** 40);
  t.notOk(wireInt().safeParse('5').success, 'strings only when the argument took them');
  t.equal(wireInt({ strings: true }).parse(' 42 '), 42);
  t.equal(wireInt({ strings: true }).parse('-3'), -3);
  for (const v of [1.5, 2n ** 60n, 'x1', '1e3', true]) t.notOk(wireInt({ strings: true }).safeParse(v).success, `${String(v)} refused`);
  const r = wireInt({ min: 1, max: 10, what: 'size' }).safeParse(11);
  t.match(!r.success && r.error.issues[0].message, /size must be between 1 and 10, got 11/);
});

t.test('uuids: 32 hex or dashed; normalized, as sent or lowercased; manager ids kept as spelt', async (t) => {
  const hex = wireUuid('vm_uuid');
  t.equal(hex.parse('0004FB00-0003-0000-AAAA-AAAAAAAAAAAA'), '0004fb0000030000aaaaaaaaaaaaaaaa');
  t.equal(hex.parse(' 0004fb0000030000aaaaaaaaaaaaaaaa '), '0004fb0000030000aaaaaaaaaaaaaaaa');
  const r = hex.safeParse('0004fb00-0003');
  t.match(!r.success && r.error.issues[0].message, /^vm_uuid must be a uuid \(32 hex digits, dashes allowed\), got "0004fb00-0003"$/);
  t.equal(wireUuid('pool_uuid', 'lower').parse('0004FB00-0003-0000-AAAA-AAAAAAAAAAAA'), '0004fb00-0003-0000-aaaa-aaaaaaaaaaaa', 'dashes kept');
  t.equal(wireUuid('poolfs_uuid', 'as-sent').parse('0004FB00-0003-0000-AAAA-AAAAAAAAAAAA'), '0004FB00-0003-0000-AAAA-AAAAAAAAAAAA');
  t.notOk(wireUuid('poolfs_uuid', 'as-sent').safeParse(' 0004fb0000030000aaaaaaaaaaaaaaaa').success, 'blanks are not passed on');
  t.equal(wireHex32('manager_uuid').parse('0004FB0000030000AAAAAAAAAAAAAAAA'), '0004FB0000030000AAAAAAAAAAAAAAAA');
  const m = wireHex32('manager_uuid').safeParse('0004fb00-0003-0000-aaaa-aaaaaaaaaaaa');
  t.match(!m.success && m.error.issues[0].message, /^manager_uuid must be 32 hex digits$/);
});

t.test('record fields: counts, sizes and uuids with "unset"', async (t) => {
  t.equal(wireCount.parse(''), undefined);
  t.equal(wireCount.parse(' 12 '), 12);
  t.equal(wireCount.parse(5n), 5);
  t.notOk(wireCount.safeParse('-1').success);
  t.notOk(wireSize.safeParse('0').success);
  t.equal(recordUuid('hex').parse('0004FB00-0003-0000-AAAA-AAAAAAAAAAAA'), '0004fb0000030000aaaaaaaaaaaaaaaa');
  t.equal(recordUuid('dashed').parse(null), '');
  t.notOk(recordUuid('dashed').safeParse('0004fb0000030000aaaaaaaaaaaaaaaa').success, 'file systems are dashed');
});

t.test('every wire type says what it is and what it names', async (t) => {
  t.same(wireMeta(wireId('vm_id')), { wire: 'id', what: 'vm_id' });
  t.same(wireMeta(wireUuid('pool_uuid', 'lower').refine(() => true)), { wire: 'uuid', what: 'pool_uuid' }, 'kept through a refinement');
  t.same(wireMeta(wireBoolean('force')), { wire: 'boolean', what: 'force' });
  t.same(wireMeta(wireInt({ what: 'size' })), { wire: 'integer', what: 'size' });
  t.same(wireMeta(pathUnder(['/'], 'src')), { wire: 'path', what: 'src' });
  t.same(wireMeta(wireText('alias')), { wire: 'text', what: 'alias' });
  t.equal(wireMeta(z.string()), undefined);
  const r = wireText('alias', { min: 1, max: 3 }).safeParse('abcd');
  t.match(!r.success && r.error.issues[0].message, /^alias must be 1-3 characters$/);
});

t.test('one path component; paths under a root', async (t) => {
  t.equal(pathComponent.parse('vm 1.cfg'), 'vm 1.cfg');
  for (const v of ['', '.', '..', 'a/b', 'a\0b']) t.notOk(pathComponent.safeParse(v).success, JSON.stringify(v));
  const under = pathUnder(['/OVS/Repositories']);
  t.equal(under.parse('/OVS//Repositories/r/VirtualDisks/d.img/'), '/OVS/Repositories/r/VirtualDisks/d.img');
  for (const v of ['OVS/Repositories/r', '/OVS/Repositories/../etc/passwd', '/etc/passwd', '/OVS/RepositoriesX/r']) {
    t.notOk(under.safeParse(v).success, v);
  }
});
