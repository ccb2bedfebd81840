// The shapes of the answers, as decoded from the wire, named once: each method declaration
// states its `result` with these, and the tests check real answers against it (inject()).
import { z } from 'zod';

/** Mutating methods answer <nil/>. */
export const nil = z.null();
/** An XML document as a string (discover_*). */
export const xmlDoc = z.string().regex(/^\s*</, 'an XML document');
export const text = z.string();
/** A job id (imports, ovs_async_proc). */
export const jobId = z.string().uuid();
/** Integers travel as <int> or <i8>; the client sees a number or a bigint. */
export const int = z.union([z.number().int(), z.bigint()]);
export const num = z.union([z.number(), z.bigint()]);
/** A struct whose members are documented per method (docs/*.md). */
export const struct = z.record(z.string(), z.unknown());
export const structList = z.array(struct);
export const anything = z.unknown();
/** A Storage Connect answer: a record, a list of records or names, a flag or nil (docs/storage.md, per operation). */
export const pluginAnswer = z.union([struct, structList, z.array(z.string()), nil, z.string(), z.boolean()]);

export const job = z.looseObject({
  id: z.string(),
  kind: z.string(),
  description: z.string(),
  state: z.enum(['running', 'done', 'failed', 'aborted', 'interrupted']),
  progress: num,
  created_at: z.string(),
  updated_at: z.string(),
});

export const event = z.looseObject({
  id: int,
  time: z.string(),
  severity: z.string(),
  object: z.string(),
  code: z.string(),
  message: z.string(),
  data: z.string(),
  acknowledged: z.boolean(),
});

/** A file_record of a repository file. */
export const fileRecord = struct;
export const orNil = <T extends z.ZodType>(t: T) => z.union([t, nil]);
