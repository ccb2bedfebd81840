// Every method states the shape of its answer, and inject() holds real answers to it.
import t from 'tap';
import { z } from 'zod';
import { defineMethod } from '../../../src/rpc/method.js';
import { Registry } from '../../../src/rpc/registry.js';
import { inject } from '../../helpers/inject.js';
import { startTestAgent } from '../../helpers/test-agent.js';

t.test('every declaration of the agent states its result', async (t) => {
  const { agent } = await startTestAgent(t, { owned: false });
  const missing = agent.registry.list().filter((d) => !d.result).map((d) => d.name);
  t.same(missing, []);
});

t.test('an answer that does not match its declared shape fails the call in tests', async (t) => {
  const reg = new Registry({ isOwned: () => true }, [
    defineMethod({ name: 'says_nil', params: z.tuple([]), access: 'public', result: z.null(), handler: () => 'not nil' }),
    defineMethod({ name: 'is_nil', params: z.tuple([]), access: 'public', result: z.null(), handler: () => undefined }),
  ]);
  await t.rejects(inject(reg, 'says_nil', []), /answer of says_nil does not match its declared result/);
  t.equal(await inject(reg, 'is_nil', []), null);
});

t.test('real answers of the read methods match their shapes', async (t) => {
  const { call } = await startTestAgent(t);
  const reads: Array<[string, unknown[]]> = [
    ['echo', [{ a: [1, 'x'] }]], ['get_api_version', []], ['get_events', [0]], ['discover_repository_db', []],
    ['discover_repositories', ['']], ['list_vms', []], ['get_vm_stats', []], ['get_host_stats', []], ['discover_server_pool', []],
    ['get_network_restore_report', []], ['get_datetime', []], ['get_last_boot_time', []], ['get_timezone', []], ['get_ntp', []],
    ['get_system_disk_space', []], ['ovs_async_proc', ['echo', 'x']], ['update_server_roles', ['xen']], ['set_statistic_interval', ['0']],
  ];
  let answered = 0;
  for (const [m, args] of reads) {
    // A fault is no answer (the temp sysroot lacks some host files); a shape mismatch is an Error, not a FaultError.
    const r = await call(m, ...args).then(() => 'answer', (e: Error) => (e.name === 'FaultError' ? 'fault' : e.message));
    t.ok(r === 'answer' || r === 'fault', `${m}: ${r}`);
    if (r === 'answer') answered++;
  }
  t.ok(answered >= 12, `${answered} of ${reads.length} answered`);
});
