/** Test-mode reset of our tables. System assistants (metadata.created_by = "system") are kept. */
import { sql } from "kysely";
import type { Db } from "./database.ts";
import { jsonText } from "./engine/neutral.ts";

/** What may be truncated; sent by `POST /internal/truncate` (`checkpoint` is accepted there as the official test helper sends it). */
export interface TruncateRequest {
  runs: boolean;
  threads: boolean;
  assistants: boolean;
  checkpointer: boolean;
  store: boolean;
}

/** Deletes the requested data in one transaction. */
export async function truncateTables(db: Db, what: TruncateRequest): Promise<void> {
  await db.transaction().execute(async (trx) => {
    if (what.runs || what.threads) await trx.deleteFrom("runs").execute();
    if (what.runs || what.threads) await trx.deleteFrom("webhook_dead_letters").execute();
    if (what.runs) await trx.deleteFrom("crons").execute(); // thread crons also go with their threads
    if (what.threads) await trx.deleteFrom("threads").execute();
    if (what.assistants) {
      await trx
        .deleteFrom("assistants")
        .where(sql<boolean>`coalesce(${jsonText("metadata", "created_by")}, '') <> 'system'`)
        .execute();
    }
    if (what.checkpointer) {
      await trx.deleteFrom("checkpoint_writes").execute();
      await trx.deleteFrom("checkpoint_blobs").execute();
      await trx.deleteFrom("checkpoints").execute();
    }
    if (what.store) await trx.deleteFrom("store_items").execute();
  });
}
