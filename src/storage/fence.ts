/**
 * A write fence: a check a writer runs first inside the transaction of each write, so a write from
 * a party that lost its right to write (a run that was cancelled, deleted or lost its lease) is
 * refused atomically with the write itself, never after it committed.
 */
import type { Kysely } from "kysely";
import type { Database } from "./database.ts";

/** A fence the checkpointer and the store consult on every write. */
export interface WriteFence {
  /** Throws (and rolls the write back) when the writer may not write any more; `trx` is the write's transaction. */
  check(trx: Kysely<Database>): Promise<void>;
  /** Runs one write, counting it as in flight until it settled (see `settled`). */
  track<T>(write: () => Promise<T>): Promise<T>;
}

/** Thrown by a fence that refuses a write. */
export class FencedWriteError extends Error {
  constructor(readonly reason: string) {
    super(`write refused: the run no longer holds its thread (${reason})`);
    this.name = "FencedWriteError";
  }
}
