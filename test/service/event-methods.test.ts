// Events and jobs over the registry: get_events, acknowledge_event, notify_manager,
// set_statistic_interval (and its alias), get_job/abort_job and the ovs_async_proc family.
import t from 'tap';
import { makeKit } from '../helpers/service-kit.js';
import { Registry } from '../../src/rpc/registry.js';
import { eventMethods } from '../../src/rpc/methods/events.js';
import { commonMethods } from '../../src/rpc/methods/common.js';
import { isAgentError } from '../../src/core/errors.js';

function setup(owned = true) {
  const kit = makeKit();
  const intervals: number[] = [];
  const registry = new Registry({ isOwned: () => owned });
  registry.register(commonMethods({}));
  registry.register(
    eventMethods({
      events: kit.events,
      jobs: kit.jobs,
      setStatisticInterval: (s) => intervals.push(s),
      invoke: (m, p, ctx) => registry.call(m, p, ctx),
    }),
  );
  const base = { remoteAddress: '127.0.0.1', localAddress: '127.0.0.1', user: 'oracle', signal: new AbortController().signal, log: kit.log };
  const call = (m: string, ...p: unknown[]) => registry.call(m, p, base);
  const code = async (m: string, ...p: unknown[]) => {
    try {
      await call(m, ...p);
    } catch (e) {
      return isAgentError(e) ? e.code : String(e);
    }
    return undefined;
  };
  return { kit, call, code, intervals };
}

t.test('events: notify, list since, acknowledge', async (t) => {
  const { kit, call, code } = setup();
  await call('notify_manager', 'VM_MIGRATED', { vm: 'x' });
  const [ev] = (await call('get_events', 0)) as Array<Record<string, unknown>>;
  t.equal(ev.code, 'VM_MIGRATED');
  t.equal(ev.acknowledged, false);
  t.same(JSON.parse(ev.data as string), { value: { vm: 'x' } });
  t.same(await call('get_events', ev.id), []);
  await call('acknowledge_event', ev.id);
  t.equal(((await call('get_events')) as Array<Record<string, unknown>>)[0].acknowledged, true);
  t.equal(await code('acknowledge_event', 999), 'NOT_FOUND');
  t.equal(await code('get_events', -1), 'INVALID_ARGUMENT');
  kit.cleanup();
});

t.test('statistics interval: both names, strings of digits, bounds', async (t) => {
  const { kit, call, code, intervals } = setup();
  await call('set_statistic_interval', 20);
  await call('set_statistics_interval', '30');
  t.same(intervals, [20, 30]);
  t.equal(await code('set_statistic_interval', -1), 'INVALID_ARGUMENT');
  t.equal(await code('set_statistic_interval', 'soon'), 'INVALID_ARGUMENT');
  t.same(intervals, [20, 30], 'refused values changed nothing');
  kit.cleanup();
});

t.test('ovs_async_proc runs a method as a job that can be polled and stopped', async (t) => {
  const { kit, call, code } = setup();
  const done = (await call('ovs_async_proc', 'echo', 'hi')) as string;
  for (let i = 0; i < 50 && ((await call('ovs_async_proc_status', done)) as { state: string }).state === 'running'; i++) {
    await new Promise((r) => setImmediate(r));
  }
  const st = (await call('ovs_async_proc_status', done)) as Record<string, unknown>;
  t.equal(st.state, 'done');
  t.equal(st.result, 'hi');

  const long = (await call('ovs_async_proc', 'sleep', 3600)) as string;
  t.equal(((await call('get_job', long)) as { state: string }).state, 'running');
  await call('ovs_async_proc_stop', long);
  for (let i = 0; i < 50 && ((await call('get_job', long)) as { state: string }).state === 'running'; i++) {
    await new Promise((r) => setTimeout(r, 10));
  }
  t.equal(((await call('get_job', long)) as { state: string }).state, 'aborted');
  t.equal(await code('abort_job', long), 'BAD_REQUEST', 'a finished job cannot be aborted');
  t.equal(await code('get_job', '00000000-0000-4000-8000-000000000000'), 'JOB_NOT_FOUND');
  t.equal(await code('get_job', 'not-a-uuid'), 'INVALID_ARGUMENT');
  t.equal(await code('ovs_async_proc', 'ovs_async_proc', 'echo'), 'INVALID_ARGUMENT');

  const bad = (await call('ovs_async_proc', 'no_such_method')) as string;
  for (let i = 0; i < 50 && ((await call('get_job', bad)) as { state: string }).state === 'running'; i++) {
    await new Promise((r) => setImmediate(r));
  }
  const failed = (await call('get_job', bad)) as Record<string, unknown>;
  t.equal(failed.state, 'failed');
  t.match(failed.error, /UNKNOWN_METHOD/);
  kit.cleanup();
});

t.test('before ownership, jobs and notifications are refused but reads work', async (t) => {
  const { kit, call, code } = setup(false);
  t.same(await call('get_events'), []);
  t.equal(await code('notify_manager', 'X'), 'NOT_OWNED');
  t.equal(await code('ovs_async_proc', 'echo', 1), 'NOT_OWNED');
  t.equal(await code('set_statistic_interval', 5), 'NOT_OWNED');
  kit.cleanup();
});

t.test('bounded events: big data refused naming the argument, big integers kept as text, long messages cut, get_events bounded', async (t) => {
  const { kit, call, code } = setup();
  t.teardown(() => kit.cleanup());
  t.equal(await code('notify_manager', 'HUGE', { blob: 'x'.repeat(64 * 1024) }), 'TOO_LARGE');
  const err = await call('notify_manager', 'HUGE', 'x'.repeat(64 * 1024)).catch((e: Error) => e);
  t.match((err as Error).message, /argument 2 \(data\)/);
  await call('notify_manager', 'BIG_INT', { n: 2n ** 62n });
  const evs = (await call('get_events', 0)) as Array<Record<string, unknown>>;
  t.equal(evs.length, 1, 'the refused one was not recorded');
  t.same(JSON.parse(evs[0].data as string), { value: { n: String(2n ** 62n) } }, 'no INTERNAL, no lost precision');
  kit.events.emit({ severity: 'info', object: 'host', code: 'LONG', message: `see https://u:pw@h/x ${'m'.repeat(5000)}` });
  const [long] = (await call('get_events', evs[0].id)) as Array<Record<string, unknown>>;
  t.ok((long.message as string).length < 1100, 'message cut');
  t.match(long.message as string, /^see https:\/\/\*\*\*@h\/x m+…\(truncated, \d+ chars\)$/);
  for (let i = 0; i < 400; i++) kit.events.emit({ severity: 'info', object: 'host', code: 'FILL', message: 'x', data: { pad: 'p'.repeat(15_000) } });
  const page = (await call('get_events', 0)) as Array<Record<string, unknown>>;
  t.ok(page.length < 402 && page.length > 1, `one answer is bounded (${page.length} events)`);
});
