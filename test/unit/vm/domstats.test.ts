// `virsh domstats --raw` parsing (a recorded QEMU/TCG sample and a two-domain sample) and the
// list_vms struct built from a domain's live XML.
import t from 'tap';
import { readFileSync } from 'node:fs';
import { domstatsToStats } from '../../../src/core/vm/domstats.js';
import { domainToListEntry, managementDomainEntry, stateToXm } from '../../../src/services/vm/vm-list.js';

const FIX = new URL('../../fixtures/vm-domstats/', import.meta.url).pathname;

t.test('recorded QEMU/TCG domstats', async (t) => {
  const [s] = domstatsToStats(readFileSync(`${FIX}qemu-tcg.txt`, 'utf8'));
  t.match(s, { name: 'rec1', state: 1, cpuTimeNs: 330000000, balloonCurrentKiB: 65536, vcpus: 1, blockRdBytes: 512, blockWrBytes: 0, netRxBytes: 0 });
});

t.test('several domains, summed devices, quoted names', async (t) => {
  const all = domstatsToStats(readFileSync(`${FIX}two-domains.txt`, 'utf8'));
  t.equal(all.length, 2);
  t.match(all[0], { name: 'web-1', vcpus: 2, blockRdBytes: 4106, blockWrBytes: 8192, netRxBytes: 1030, netTxBytes: 2040, balloonMaximumKiB: 2097152 });
  t.match(all[1], { name: 'db 2', state: 3, cpuTimeNs: 7, blockRdBytes: 0 });
  t.same(domstatsToStats(''), []);
});

t.test('xm state letters', async (t) => {
  const rows = [['running', 'r-----'], ['blocked', '-b----'], ['paused', '--p---'], ['shutdown', '---s--'], ['crashed', '----c-'], ['nostate', '------']] as const;
  for (const [s, want] of rows) t.equal(stateToXm(s), want, s);
});

t.test('list entry from a recorded live XML', async (t) => {
  const xml = readFileSync(`${FIX}qemu-tcg-live.xml`, 'utf8');
  const e = domainToListEntry(
    { name: 'rec1', uuid: 'u', id: 3, state: 'running', maxMemKiB: 65536, memKiB: 65536, vcpus: 1, cpuTimeNs: 2.5e9 },
    xml,
    { repoId: 'r', vmId: 'v', startTime: 10 },
  );
  t.match(e, { name: 'rec1', domid: '3', state: 'r-----', memory: '64', cpu_time: '2.5', start_time: '10', repo_id: 'r', vm_id: 'v', on_crash: 'destroy' });
  t.match(e.device, { vif: [{ mac: '00:21:f6:00:00:aa' }], vbd: [{ dev: 'xvda:disk', mode: 'w' }] });
  const dom0 = managementDomainEntry({ model: 'x', memoryKiB: 2048 * 1024, cpus: 4, mhz: 1, nodes: 1, sockets: 1, cores: 4, threads: 1 });
  t.match(dom0, { name: 'Domain-0', domid: '0', memory: '2048', vcpus: '4' });
  // Real agents sent every scalar as a string (CloudStack's captured list_vms): no number anywhere.
  const leaves = (v: unknown): unknown[] => (v !== null && typeof v === 'object' ? Object.values(v as object).flatMap(leaves) : [v]);
  for (const rec of [e, dom0]) t.same(leaves(rec).filter((x) => typeof x !== 'string'), [], 'only strings');
});
