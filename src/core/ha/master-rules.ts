// Who should be master: the lowest-numbered live member not in maintenance tries first; the
// next one tries only after the role stayed vacant one step longer per rank, so a member that
// cannot take the lease (its storage path broken) does not leave the pool without a master.
import type { HostLiveness } from './lease-manager.js';

export interface MemberView {
  node: number;
  liveness: HostLiveness;
  maintenance: boolean;
}

/** Position of `self` among the members that may be master (0 = first choice), or -1. */
export function masterRank(self: number, members: readonly MemberView[]): number {
  const eligible = members
    // a member sanlock has not observed long enough ('unknown', just after joining) may be
    // live: it keeps its place, so two members starting together do not both try first
    .filter((m) => (m.liveness === 'live' || m.liveness === 'unknown' || m.node === self) && !m.maintenance)
    .map((m) => m.node)
    .sort((a, b) => a - b);
  return eligible.indexOf(self);
}

export interface MasterInput {
  self: number;
  members: readonly MemberView[];
  /** Do we hold the master lease now? */
  holding: boolean;
  /** Are we in the lockspace with a renewing host lease? */
  joined: boolean;
  /** When this member first saw the role vacant (undefined: a master is known and live). */
  vacantSince: number | undefined;
  now: number;
  /** Milliseconds between the attempts of consecutive ranks. */
  stepMs: number;
}

export type MasterAction = 'acquire' | 'release' | 'keep' | 'wait';

export function masterAction(i: MasterInput): MasterAction {
  const me = i.members.find((m) => m.node === i.self);
  const eligible = i.joined && me !== undefined && !me.maintenance;
  if (i.holding) return eligible ? 'keep' : 'release';
  if (!eligible || i.vacantSince === undefined) return 'wait';
  const rank = masterRank(i.self, i.members);
  if (rank < 0) return 'wait';
  return i.now - i.vacantSince >= rank * i.stepMs ? 'acquire' : 'wait';
}
