// Events, notifications, statistics interval and jobs: get_events (ext), acknowledge_event
// (ext), notify_manager, set_statistic_interval (+ alias), get_job/abort_job (ext) and the
// stock ovs_async_proc family (our reading: run any method as a job, poll it, stop it).
import { z } from 'zod';
import * as R from '../results.js';
import { defineMethod, type MethodDef } from '../method.js';
import type { CallBase } from '../registry.js';
import { MAX_EVENT_DATA_BYTES, jsonWithBigints, type EventJournal } from '../../services/events/event-journal.js';

/** get_events answers at most about this much (and at most 1000 events). */
const MAX_EVENTS_ANSWER_BYTES = 4 * 1024 * 1024;
import type { Jobs, JobInfo } from '../../services/jobs/job-runner.js';
import { AgentError } from '../../core/errors.js';
import { wireInt, wireUuid } from '../wire-types.js';

export interface EventMethodsDeps {
  events: EventJournal;
  jobs: Jobs;
  /** Persist and apply a new statistics interval (seconds, 0 = off). */
  setStatisticInterval: (seconds: number) => void;
  /** Call another registered method (for ovs_async_proc). */
  invoke: (method: string, params: unknown[], base: CallBase) => Promise<unknown>;
}

function jobToWire(j: JobInfo): Record<string, unknown> {
  const out: Record<string, unknown> = {
    id: j.id,
    kind: j.kind,
    description: j.description,
    state: j.state,
    progress: j.progress,
    created_at: j.createdAt,
    updated_at: j.updatedAt,
  };
  if (j.message !== undefined) out.message = j.message;
  if (j.error !== undefined) out.error = j.error;
  if (j.result !== undefined) out.result = j.result ?? null;
  return out;
}

/** Job ids are the agent's own dashed uuids, looked up as sent. */
const jobId = wireUuid('job_id', 'as-sent');

export function eventMethods(d: EventMethodsDeps): MethodDef[] {
  return [
    defineMethod({
      name: 'get_events',
      result: z.array(R.event),
      summary: '(ext) events with id greater than since_id, oldest first (at most 1000)',
      access: 'public',
      params: z.tuple([wireInt({ min: 0, what: 'since_id' }).optional()]),
      handler: ([since]) => {
        // Bounded answer: events stop once MAX_EVENTS_ANSWER_BYTES are reached; ask again from the last id.
        const out: Array<Record<string, unknown>> = [];
        let bytes = 0;
        for (const e of d.events.since(since ?? 0)) {
          const data = e.data ? JSON.stringify(e.data) : '';
          bytes += data.length + e.message.length + 200;
          if (out.length > 0 && bytes > MAX_EVENTS_ANSWER_BYTES) break;
          out.push({ id: e.id, time: e.time, severity: e.severity, object: e.object, code: e.code, message: e.message, data, acknowledged: e.acknowledged });
        }
        return out;
      },
    }),
    defineMethod({
      name: 'acknowledge_event',
      result: R.nil,
      summary: '(ext) mark an event acknowledged',
      access: 'owned',
      params: z.tuple([wireInt({ min: 1, what: 'event id' })]),
      handler: ([id]) => {
        if (!d.events.get(id)) throw new AgentError('NOT_FOUND', `no event ${id}`);
        d.events.acknowledge(id);
        return null;
      },
    }),
    defineMethod({
      name: 'notify_manager',
      result: R.nil,
      summary: 'record one event and push it to the manager event URL',
      access: 'owned',
      params: z.tuple([z.string().min(1).max(200), z.unknown().optional()]),
      handler: ([notification, data]) => {
        const size = data === undefined || data === null ? 0 : Buffer.byteLength(jsonWithBigints({ value: data }));
        if (size > MAX_EVENT_DATA_BYTES) {
          throw new AgentError('TOO_LARGE', `notify_manager: argument 2 (data) is over ${MAX_EVENT_DATA_BYTES} bytes as JSON`);
        }
        d.events.emit({
          severity: 'info',
          object: 'host',
          code: notification,
          message: `notification ${notification}`,
          data: data === undefined || data === null ? undefined : { value: data as never },
        });
        return null;
      },
    }),
    defineMethod({
      name: 'set_statistic_interval',
      result: R.nil,
      aliases: ['set_statistics_interval'],
      summary: 'push host statistics to the manager statistic URL every N seconds (0 = off)',
      access: 'owned',
      params: z.tuple([wireInt({ strings: true, min: 0, max: 86400, what: 'interval' })]),
      handler: ([seconds]) => {
        d.setStatisticInterval(seconds);
        return null;
      },
    }),
    defineMethod({
      name: 'get_job',
      result: R.job,
      summary: '(ext) state, progress and result of a job',
      access: 'public',
      params: z.tuple([jobId]),
      handler: ([id]) => jobToWire(d.jobs.get(id)),
    }),
    defineMethod({
      name: 'abort_job',
      result: R.nil,
      summary: '(ext) abort a running job',
      access: 'owned',
      params: z.tuple([jobId]),
      handler: ([id]) => {
        d.jobs.abort(id);
        return null;
      },
    }),
    defineMethod({
      name: 'ovs_async_proc',
      result: R.jobId,
      summary: 'run another method as a job; returns the job id',
      access: 'owned',
      // The inner call's secrets (update_agent_password's passwords) are redacted in its START.
      forwards: { methodArg: 0 },
      params: z.tuple([z.string().min(1).max(100)]).rest(z.unknown()),
      handler: ([method, ...rest], ctx) => {
        if (method.startsWith('ovs_async_proc')) throw new AgentError('INVALID_ARGUMENT', 'ovs_async_proc cannot run itself');
        const { id } = d.jobs.start('async_proc', `${method}`, async (ctl) => {
          const ac = new AbortController();
          ctl.signal.addEventListener('abort', () => ac.abort(ctl.signal.reason), { once: true });
          // The inner call logs through this call's logger, so its lines name the job's parent call.
          const base = { remoteAddress: ctx.remoteAddress, localAddress: ctx.localAddress, user: ctx.user, log: ctx.log, signal: ac.signal };
          return d.invoke(method, rest, base);
        });
        return id;
      },
    }),
    defineMethod({
      name: 'ovs_async_proc_status',
      result: R.job,
      summary: 'state of a job started by ovs_async_proc',
      access: 'public',
      params: z.tuple([jobId]),
      handler: ([id]) => jobToWire(d.jobs.get(id)),
    }),
    defineMethod({
      name: 'ovs_async_proc_stop',
      result: R.nil,
      summary: 'abort a job started by ovs_async_proc',
      access: 'owned',
      params: z.tuple([jobId]),
      handler: ([id]) => {
        d.jobs.abort(id);
        return null;
      },
    }),
  ];
}
