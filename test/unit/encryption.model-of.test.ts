/**
 * `modelOf` (src/encryption/custom.ts): the resource a statement works on, which picks the custom
 * JSON handler (`{ thread, assistant, run, cron, store, checkpoint }`) for its parameters and rows,
 * in the SQL every engine sends (PostgreSQL's double quotes, MariaDB's backquotes and `insert
 * ignore`, SQLite's `insert or ignore`), and the statement's own table, not a subquery's.
 */
import { describe, expect, it } from "vitest";
import { modelOf } from "../../src/encryption/custom.ts";

describe("modelOf", () => {
  it.each([
    ['insert into "threads" ("thread_id") values ($1)', "thread"],
    ["insert ignore into `threads` (`thread_id`) values (?)", "thread"],
    ['insert or ignore into "store_items" ("key") values (?)', "store"],
    ["replace into `crons` (`cron_id`) values (?)", "cron"],
    ['update "assistants" set "metadata" = $1', "assistant"],
    ["UPDATE `runs` SET `kwargs` = ?", "run"],
    ["delete from checkpoint_writes where thread_id = $1", "checkpoint"],
    [
      'select "cp"."metadata", (SELECT json_agg(x) FROM jsonb_each_text(cp.checkpoint) AS v JOIN checkpoint_blobs bl ON true) from "checkpoints" as "cp"',
      "checkpoint",
    ],
    ['select (select count(*) from "runs") as n, t.* from "threads" as t', "thread"],
    ["with x as (select * from assistant_versions) select * from x", "assistant"],
    ["select 1", null],
    ["select * from unknown_table", null],
  ])("%s -> %s", (sql, model) => {
    expect(modelOf(sql)).toBe(model);
  });
});
