// What every crash case checks after the restart: one event names the recovery and its
// outcome, and no intent is left.
import type { Test } from 'tap';
import type { CrashRig } from './crash-rig.js';

export function recovered(rig: CrashRig, t: Test, key: string, outcome: string): void {
  const ev = rig.query<{ message: string; data: string }>("SELECT message, data FROM events WHERE code = 'INTENT_RECOVERED' AND object = ? ORDER BY id DESC LIMIT 1", key);
  t.equal(ev.length, 1, `an event names the recovery of ${key}`);
  if (ev[0]) t.equal((JSON.parse(ev[0].data) as { outcome: string }).outcome, outcome, ev[0].message);
  t.same(rig.query('SELECT kind, step FROM intents'), [], 'no intent left');
}
