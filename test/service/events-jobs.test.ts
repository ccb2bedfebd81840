import t from 'tap';
import { makeKit } from '../helpers/service-kit.js';
import { EventPusher, backoffMs } from '../../src/services/push/event-pusher.js';
import { StatisticsPusher } from '../../src/services/push/statistics-pusher.js';
import { JobRunner } from '../../src/services/jobs/job-runner.js';
import { isAgentError } from '../../src/core/errors.js';

t.test('events are journaled and queued only when an event URL exists', async (t) => {
  const kit = makeKit();
  const a = kit.events.emit({ severity: 'info', object: 'host', code: 'A', message: 'a' });
  kit.hostState.set('manager.event_url', 'https://mgr/ev');
  const b = kit.events.emit({ severity: 'error', object: 'host', code: 'B', message: 'b', data: { x: 1 } });
  t.same(kit.events.since(0).map((e) => e.code), ['A', 'B']);
  t.same(kit.events.since(a).map((e) => e.id), [b]);
  t.same(kit.events.get(b)?.data, { x: 1 });
  const outbox = kit.db.prepare('SELECT event_id FROM event_outbox').all() as Array<{ event_id: number }>;
  t.same(outbox.map((r) => r.event_id), [b]);
  kit.events.acknowledge(b);
  t.ok(kit.events.get(b)?.acknowledged);
  kit.cleanup();
});

t.test('the pusher never drops an event: failures back off and retry in order', async (t) => {
  const kit = makeKit();
  kit.hostState.set('manager.event_url', 'https://mgr/ev');
  const delivered: number[] = [];
  let up = false;
  const pusher = new EventPusher({
    db: kit.db,
    clock: kit.clock,
    log: kit.log,
    hostId: () => 'host1',
    clientFor: () => ({
      call: async (method, params) => {
        t.equal(method, 'hvagent_event');
        if (!up) throw new Error('connection refused');
        delivered.push((params[0] as { id: number }).id);
        return null;
      },
    }),
  });
  const ids = [1, 2, 3].map((i) => kit.events.emit({ severity: 'info', object: 'o', code: `E${i}`, message: 'm' }));
  t.equal(await pusher.flush(), 0);
  t.equal(pusher.pending(), 3, 'still queued after a failure');
  t.equal(await pusher.flush(), 0, 'not retried before its backoff');
  kit.clock.t += backoffMs(1);
  t.equal(await pusher.flush(), 0);
  const row = kit.db.prepare('SELECT attempts, last_error FROM event_outbox WHERE event_id = ?').get(ids[0]) as { attempts: number; last_error: string };
  t.equal(row.attempts, 2);
  t.match(row.last_error, /refused/);
  up = true;
  kit.clock.t += backoffMs(2);
  t.equal(await pusher.flush(), 3);
  t.same(delivered, ids, 'delivered in order');
  t.equal(pusher.pending(), 0);
  t.ok(backoffMs(30) <= 5 * 60_000, 'backoff is capped');
  kit.cleanup();
});

t.test('statistics pusher pushes every interval and can be turned off', async (t) => {
  const kit = makeKit();
  const got: unknown[] = [];
  const sp = new StatisticsPusher({
    clock: kit.clock,
    log: kit.log,
    url: () => 'https://mgr/st',
    collect: async () => ({ cpu: 1 }),
    clientFor: () => ({ call: async (_m, p) => void got.push(p[0]) }),
  });
  sp.start(10);
  kit.clock.advance(10_000);
  await new Promise((r) => setImmediate(r));
  kit.clock.advance(10_000);
  await new Promise((r) => setImmediate(r));
  t.equal(got.length, 2);
  sp.setInterval(0);
  kit.clock.advance(60_000);
  await new Promise((r) => setImmediate(r));
  t.equal(got.length, 2, 'interval 0 stops pushing');
  sp.stop();
  kit.cleanup();
});

t.test('jobs: progress, result, failure, abort, interrupted after restart', async (t) => {
  const kit = makeKit();
  const ok = kit.jobs.start('k', 'ok job', async (ctl) => {
    ctl.progress(0.5, 'half');
    return { n: 1 };
  });
  t.same(await ok.done, { n: 1 });
  const info = kit.jobs.get(ok.id);
  t.equal(info.state, 'done');
  t.equal(info.progress, 1);
  t.same(info.result, { n: 1 });

  const bad = kit.jobs.start('k', 'bad', async () => {
    throw new Error('disk full');
  });
  await t.rejects(bad.done);
  t.equal(kit.jobs.get(bad.id).state, 'failed');
  t.match(kit.jobs.get(bad.id).error, /disk full/);

  let release!: () => void;
  const long = kit.jobs.start('k', 'long', (ctl) => new Promise((resolve, reject) => {
    release = () => resolve(1);
    ctl.signal.addEventListener('abort', () => reject(ctl.signal.reason));
  }));
  kit.jobs.abort(long.id);
  await t.rejects(long.done);
  t.equal(kit.jobs.get(long.id).state, 'aborted');
  void release;

  try {
    kit.jobs.get('00000000-0000-0000-0000-000000000000');
    t.fail('found a job that does not exist');
  } catch (e) {
    t.ok(isAgentError(e) && e.code === 'JOB_NOT_FOUND');
  }

  kit.db.prepare("INSERT INTO jobs (id, kind, description, state, created_at, updated_at) VALUES ('j1','k','d','running','t','t')").run();
  new JobRunner({ db: kit.db, clock: kit.clock, log: kit.log }).markInterrupted();
  t.equal(kit.jobs.get('j1').state, 'interrupted');
  kit.cleanup();
});

t.test('job records are bounded and hold no URL credentials', async (t) => {
  const { JobRunner, MAX_JOB_RESULT_BYTES } = await import('../../src/services/jobs/job-runner.js');
  const { openDatabase } = await import('../../src/store/db.js');
  const { ManualClock } = await import('../helpers/manual-clock.js');
  const pinoMod = await import('pino');
  const db = openDatabase({ file: ':memory:' });
  t.teardown(() => db.close());
  const jobs = new JobRunner({ db, clock: new ManualClock(), log: pinoMod.pino({ level: 'silent' }) });
  const big = jobs.start('x', 'import https://u:pw@h/x.img', async () => ({ blob: 'b'.repeat(MAX_JOB_RESULT_BYTES * 2), n: 2n ** 62n }));
  await big.done;
  const info = jobs.get(big.id);
  t.match(info.result, { truncated: true, bytes: Number }, 'a marker instead of the result');
  t.ok((info.result as { bytes: number }).bytes > MAX_JOB_RESULT_BYTES * 2, 'saying how big it was');
  t.notMatch(info.description, /pw/);
  const small = jobs.start('x', 'y', async () => ({ n: 2n ** 62n }));
  await small.done;
  t.same(jobs.get(small.id).result, { n: String(2n ** 62n) }, 'big integers kept as text, no failure');
  const bad = jobs.start('x', 'y', async () => {
    throw new Error(`fetch https://u:pw@h/ failed ${'e'.repeat(10_000)}`);
  });
  await bad.done.catch(() => undefined);
  const e = jobs.get(bad.id);
  t.notMatch(String(e.error), /pw/);
  t.ok(String(e.error).length < 2200, 'error text cut');
});
