// `ha.fence: reboot`: the commands a member runs to reset itself once its lockspace lease stopped
// renewing, in order, each tried when the one before failed. A reset, not a clean reboot: the
// pool FS may be gone, and a sync or an unmount on it would hang past the others' dead time.

export interface RebootStep {
  argv: string[];
  /** Written to the command's stdin. */
  input?: string;
  why: string;
}

export interface RebootPlan {
  steps: RebootStep[];
  /** Why nothing is run (the caller falls back to stopping its HA VMs itself). */
  refused?: string;
}

export function rebootFencePlan(o: { allowShutdown: boolean }): RebootPlan {
  if (!o.allowShutdown) return { steps: [], refused: 'power.allowShutdown is off: this agent may not reset the host' };
  return {
    steps: [
      // sysrq 'b': immediate reset, no sync, no unmount; root may always write the trigger file
      { argv: ['tee', '/proc/sysrq-trigger'], input: 'b', why: 'sysrq reset (no sync, no unmount)' },
      // --force twice: reboot(2) without stopping services or unmounting
      { argv: ['systemctl', 'reboot', '--force', '--force'], why: 'systemctl forced reboot' },
    ],
  };
}
