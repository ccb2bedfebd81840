// The reboot fence of a member that lost its lockspace lease (`ha.fence: reboot`): runs the
// reset commands of src/core/ha/reboot-fence.ts in order. Resolves false when no reset could be
// started, so the HA service stops its HA VMs itself (never left running without a lease).
import type { Logger } from 'pino';
import type { Exec } from '../../host/exec.js';
import { rebootFencePlan } from '../../core/ha/reboot-fence.js';

export function rebootFence(o: { exec: Exec; log: Logger; allowShutdown: () => boolean }): () => Promise<boolean> {
  return async () => {
    const plan = rebootFencePlan({ allowShutdown: o.allowShutdown() });
    if (plan.refused) o.log.error({ reason: plan.refused }, 'HA fence: cannot reset this host; stopping its HA VMs instead');
    for (const step of plan.steps) {
      o.log.fatal({ argv: step.argv }, `HA fence: resetting this host (${step.why})`);
      const r = await o.exec.run(step.argv, { input: step.input, allowFail: true, timeoutMs: 10_000 }).catch((err: unknown) => ({ code: -1, stderr: String(err) }));
      // a reset that worked never returns here on a real host
      if (r.code === 0) return true;
      o.log.error({ argv: step.argv, code: r.code, stderr: r.stderr.slice(0, 300) }, 'HA fence: reset command failed');
    }
    return false;
  };
}
