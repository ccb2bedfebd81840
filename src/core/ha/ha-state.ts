// The HA records kept on the pool FS, one writer per file so no shared-FS lock is needed:
// each member writes its own report; only the holder of the master lease writes the master
// record (placements of HA VMs, the pending queue, members declared dead).
import { z } from 'zod';

const uuid = z.string().min(1).max(64);

export const haVmSchema = z.object({
  uuid,
  name: z.string().max(256).optional(),
  repoId: z.string().max(64).optional(),
  vmId: z.string().max(64).optional(),
  /** Memory the VM needs where it starts (MiB). */
  memMiB: z.number().int().min(0),
});
export type HaVm = z.output<typeof haVmSchema>;

export const memberReportSchema = z.object({
  node: z.number().int().min(0),
  /** The member's lockspace generation when it wrote this (a member back from dead has a new one). */
  generation: z.number().int().min(0),
  updatedAt: z.number(),
  freeMemMiB: z.number().int().min(0),
  maintenance: z.boolean(),
  /** HA VMs running on this member now. */
  running: z.array(haVmSchema),
  /**
   * HA VMs this member powered off itself (fenced: its lease failed or was lost) and that run
   * nowhere yet: the master restarts them, they were not stopped on purpose.
   */
  fenced: z.array(haVmSchema).optional(),
});
export type MemberReport = z.output<typeof memberReportSchema>;

export const pendingSchema = z.object({ vm: haVmSchema, since: z.number(), reason: z.string().max(200) });
export type PendingEntry = z.output<typeof pendingSchema>;

export const masterRecordSchema = z.object({
  node: z.number().int().min(0),
  /** Set by a master that handed the role over (planned): the role is vacant at once. */
  released: z.boolean().optional(),
  /** Bumped by each new master so a stale writer is recognisable. */
  epoch: z.number().int().min(0),
  updatedAt: z.number(),
  /** Where each HA VM is meant to run: uuid -> VM and node. */
  placements: z.record(
    z.string(),
    // start: the master placed it there to be started (a restart); absent once it runs
    // gen: the member's lockspace generation it runs (or is to run) under; a VM placed under a
    // generation that ended (the member fenced itself, rebooted, was declared dead) is orphaned
    z.object({ vm: haVmSchema, node: z.number().int().min(0), at: z.number(), start: z.boolean().optional(), gen: z.number().int().optional() }),
  ),
  pending: z.array(pendingSchema),
  /** node -> generation declared dead; that generation may never resume its VMs. */
  dead: z.record(z.string(), z.number().int().min(0)),
});
export type MasterRecord = z.output<typeof masterRecordSchema>;

export function emptyMasterRecord(node: number, epoch: number, now: number): MasterRecord {
  return { node, epoch, updatedAt: now, placements: {}, pending: [], dead: {} };
}
